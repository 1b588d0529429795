#!/usr/bin/env bash
# The full fuzz run of model zips (what segml predict and evaluate read): FILES damaged copies of a pixel-prior model
# and FILES of a hypercolumn model (default 10,000 each; the test suite runs 300 each) through the same tests as the suite
# (Segmentation.ML.Tests/Onnx/ModelFileFuzzTests.cs). SEED (default 0) shifts the random seed.
# Prints how many files were refused, loaded unchanged, or (rewritten as valid zips) loaded predicting as before, the
# slowest file, the largest allocation and the test process's peak working set, then the commonest refusals; exits
# non-zero if any file escaped with another exception, was accepted with other contents, took over 2 s or allocated
# over 32 MiB.
#
#   scripts/fuzz/model-files.sh [FILES] [SEED]
set -euo pipefail
files="${1:-10000}"
seed="${2:-0}"
cd "$(dirname "$0")/../.."
SEGML_FUZZ_MODEL_FILES="$files" SEGML_FUZZ_SEED="$seed" dotnet test Segmentation.ML.Tests/Segmentation.ML.Tests.csproj -c Release \
    --filter "FullyQualifiedName~ModelFileFuzzTests" --logger "console;verbosity=detailed" \
    | grep -E "model zip|loaded unchanged:| × |^  (Passed|Failed) |Test Run|Total tests|failed:|^(bits|first|integer|entry|central|local|metadata|prior|[0-9])"
