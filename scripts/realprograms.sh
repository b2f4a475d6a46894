#!/usr/bin/env bash
# realprograms.sh: the acceptance run on real public Go programs this
# project did not write (gojq, a CLI; nats-server, a network server; gosh,
# a shell that runs other programs with os/exec). For each one it fetches
# the module through the Go module proxy (go mod download), copies it to a
# temporary directory, makes main call selfsandbox.Lock() first, analyses
# it, builds it with a filter of exactly its allow-list (KILL_PROCESS for
# anything else), runs a workload locked, runs it again under strace, and
# prints per program: packages, allowed syscalls, syscalls strace saw after
# main, and the analysis time. Not part of CI (it needs the network).
#
# Usage: scripts/realprograms.sh [extra go test flags]
set -euo pipefail
cd "$(dirname "$0")/.."
command -v strace >/dev/null || { echo "strace is required (apt-get install strace)" >&2; exit 2; }
go test ./analyzer -run '^TestRealPrograms$' -count=1 -timeout 30m -v "$@" -args -realprograms |
	grep -E '^(=== RUN|--- |\s+realprograms_test.go|ok|FAIL|PASS)|summary|strace saw|not seen|panic' || true
exit "${PIPESTATUS[0]}"
