#!/usr/bin/env bash
# run.sh: the codec benchmark of BENCHMARKS.md in one run: harp and kolo/xmlrpc through
# `go test -bench` (COUNT runs each), CPython's xmlrpc.client through cpython.py on the same payload
# bytes, then a table of medians and ratios. Usage: bench/run.sh [COUNT]
set -euo pipefail
cd "$(dirname "$0")"
count=${1:-5}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
go run ./cmd/payloads -out "$dir"
go test -run '^$' -bench . -benchtime 1s -count "$count" . | tee "$dir/go.txt"
python3 cpython.py "$dir" "$count" | tee "$dir/py.txt"
echo
cat "$dir/go.txt" "$dir/py.txt" | python3 summarize.py
