#!/usr/bin/env bash
# Installs what the tests need on a fresh machine, then builds and runs every test.
# This is the README's second command and what .ci/run runs.
set -euo pipefail
cd "$(dirname "$0")"

# Pinned npm tools (asl-validator, s3rver, dynalite, aws-local-stepfunctions, playwright-core).
(cd tools && npm ci --no-audit --no-fund --loglevel=error)

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads a browser of its own).
if ! command -v chromium >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

dotnet build FileUploader.sln -c Release
# One line per test project (failures in full), then the total as "N passed, N failed, N skipped".
log=$(mktemp)
status=0
dotnet test FileUploader.sln -c Release --no-build --logger "console;verbosity=minimal" 2>&1 | tee "$log" || status=$?
# Not anchored: a project's result line can land glued to another line of the parallel output.
awk '/(Passed|Failed)! +- +Failed:/ {
       for (i = 1; i <= NF; i++) {
         if ($i == "Passed:") p += $(i + 1); if ($i == "Failed:") f += $(i + 1); if ($i == "Skipped:") s += $(i + 1)
       }
     }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
rm -f "$log"
exit "$status"
