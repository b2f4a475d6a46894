#!/usr/bin/env bash
# analysis-bench.sh: wall time and peak memory of the analysis (load, SSA,
# call graph, syscall sites and pruning, runtime baseline) for
# examples/webserver and for the 249-package analyzer/testdata/bigprog
# (which calls selfsandbox.MustLock once it listens, so pruning is timed
# too), each run in a fresh process so that the peak resident memory is the
# analysis's own.
#
# Usage: scripts/analysis-bench.sh [runs]   (default 5 runs per program)
# Targets on a 2-core machine: bigprog median <= 10 s and <= 2 GiB. It then
# runs examples/webserver's workload locked and under strace and prints the
# allowed/observed ratio of syscalls (target <= 1.5).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs=${1:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

go test -c -o "$tmp/analyzer.test" ./analyzer

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

# bench NAME DIR PATTERN: runs the analysis $runs times and prints each run
# and the medians; sets $med_wall and $med_mib.
bench() {
	local name=$1 dir=$2 pattern=$3 i wall kib line
	: >"$tmp/$name.wall"
	: >"$tmp/$name.mib"
	for ((i = 1; i <= runs; i++)); do
		(cd "$root/analyzer" &&
			SANDBOXGEN_BENCH_DIR=$dir SANDBOXGEN_BENCH_PATTERN=$pattern \
				/usr/bin/time -f '%e %M' -o "$tmp/time" \
				"$tmp/analyzer.test" -test.run '^$' -test.bench '^BenchmarkAnalyze$' -test.benchtime 1x >"$tmp/out")
		read -r wall kib <"$tmp/time"
		line=$(grep '^BenchmarkAnalyze' "$tmp/out")
		echo "$wall" >>"$tmp/$name.wall"
		echo "$((kib / 1024))" >>"$tmp/$name.mib"
		printf '%-10s run %d: %6.2f s wall, %5d MiB peak  |%s\n' "$name" "$i" "$wall" "$((kib / 1024))" \
			"$(echo "$line" | tr -s ' \t' ' ' | sed 's/^BenchmarkAnalyze-[0-9]* 1 [0-9]* ns\/op//')"
	done
	med_wall=$(median <"$tmp/$name.wall")
	med_mib=$(median <"$tmp/$name.mib")
	printf '%-10s median: %.2f s wall, %d MiB peak (%d runs)\n\n' "$name" "$med_wall" "$med_mib" "$runs"
}

bench webserver "$root" ./examples/webserver
bench bigprog "$root/analyzer" ./testdata/bigprog
status=0
if awk -v w="$med_wall" -v m="$med_mib" 'BEGIN {exit !(w <= 10 && m <= 2048)}'; then
	echo "bigprog within target (<= 10 s, <= 2048 MiB)"
else
	echo "bigprog OVER target (<= 10 s, <= 2048 MiB): ${med_wall} s, ${med_mib} MiB"
	status=1
fi
echo
echo "precision: examples/webserver's workload, locked and under strace; then under strace and sandboxgen trace, which must agree"
go test ./analyzer -run '^(TestWebserverPrecision|TestWebserverTraceAgrees)$' -count=1 -v -args -webserver-precision |
	grep -E 'precision(_trace)?_test|^(ok|FAIL|---)' || status=1
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
