#!/usr/bin/env bash
# Benchmark of `gosetup probe` (README, "gosetup probe"): 15 local mirrors with
# artificial latency, healthy and with two hanging, against a sequential curl
# loop over the same mirrors, in the same run. Prints every round, the
# medians and the ratios. Usage: .ci/bench/probe.sh [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v curl >/dev/null || { echo "probe.sh needs curl (apt-get install curl)"; exit 1; }
bin=$(mktemp -d)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/gosetup" .
go build -o "$bin/benchserve-probe" ./internal/benchserve-probe
"$bin/benchserve-probe" -gosetup "$bin/gosetup" -rounds "${1:-5}" -timeout 3s
