#!/usr/bin/env bash
# Installs what the tests need on a fresh machine, then builds and runs every test.
# This is the README's second command and what .ci/run runs.
set -euo pipefail
cd "$(dirname "$0")"

# Pinned npm tools (asl-validator, s3rver, dynalite, aws-local-stepfunctions, playwright-core).
(cd tools && npm ci --no-audit --no-fund --loglevel=error)

dotnet build FileUploader.sln -c Release
dotnet test FileUploader.sln -c Release --no-build --logger "console;verbosity=normal"
