#!/usr/bin/env bash
# The full fuzz run of the files the hypercolumn trainer writes for itself (the --sample-cache and the stage B
# --checkpoint): FILES damaged files per format (default 10,000; the test suite runs 300), through the same test as
# the suite (Segmentation.ML.Tests/Hypercolumns/TrainingFileFuzzTests.cs). SEED (default 0) shifts the random seeds.
# Prints, per format, how many files were refused, loaded unchanged or failed, the slowest file, the largest
# allocation and the test process's peak working set; exits non-zero if any file escaped with another exception,
# was accepted with other contents, took over 2 s or allocated over 32 MiB.
#
#   scripts/fuzz/training-files.sh [FILES] [SEED]
set -euo pipefail
files="${1:-10000}"
seed="${2:-0}"
cd "$(dirname "$0")/../.."
SEGML_FUZZ_TRAINING_FILES="$files" SEGML_FUZZ_SEED="$seed" dotnet test Segmentation.ML.Tests/Segmentation.ML.Tests.csproj -c Release \
    --filter "FullyQualifiedName~TrainingFileFuzzTests" --logger "console;verbosity=detailed" \
    | grep -E "files in|loaded unchanged:| × |^  (Passed|Failed) |Test Run|Total tests"
