#!/usr/bin/env bash
# Fuzzes every parser of outside input for a long while: JSON (differentially, against Foundation's
# JSONSerialization), RESP from a hostile server, cron, durations, dates and URL masking. The test
# command runs the same properties with 3,000 cases each; this runs NIGHTSHIFT_FUZZ_COUNT (default
# 1,000,000) each. A failure prints the input and a seed to reproduce it with.
set -euo pipefail
cd "$(dirname "$0")/.."
export NIGHTSHIFT_FUZZ_COUNT="${NIGHTSHIFT_FUZZ_COUNT:-1000000}"
echo "== $NIGHTSHIFT_FUZZ_COUNT cases per property"
swift test --filter 'JSONValueParsingTests|HostileServerTests|ParsersNeverTrapTests' "$@"
