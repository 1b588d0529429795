#!/usr/bin/env bash
# Makes Segmentation.ML/Visualization/Fonts/DejaVuSans-Figures.ttf, the one typeface every figure's text is drawn with,
# so charts read the same on a machine without any font installed (Debian minimal has none).
# DejaVu Sans Book cut to the characters class names and labels use: Latin-1, Latin Extended-A, Greek, Cyrillic,
# punctuation and a few symbols (× − ≤ ≥ ≈ ∞ ‰ € arrows); kerning kept, hinting dropped (figures are antialiased).
# Needs Debian's fonts-dejavu-core and fonttools: apt-get install fonts-dejavu-core fonttools
set -euo pipefail
cd "$(dirname "$0")/../.."
pyftsubset /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf \
  --unicodes="U+0020-007E,U+00A0-017F,U+0370-03FF,U+0400-04FF,U+2010-2027,U+2030,U+2032-2033,U+2039-203A,U+2044,U+20AC,U+2122,U+2190-2193,U+00D7,U+2212,U+2215,U+221E,U+2248,U+2260,U+2264-2265" \
  --layout-features=kern --no-hinting \
  --output-file=Segmentation.ML/Visualization/Fonts/DejaVuSans-Figures.ttf
