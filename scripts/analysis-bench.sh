#!/usr/bin/env bash
# analysis-bench.sh: wall time and peak memory of the analysis (load, SSA,
# call graph, syscall sites and pruning, runtime baseline) for
# examples/webserver and for the 249-package analyzer/testdata/bigprog
# (which calls selfsandbox.MustLock once it listens, so pruning is timed
# too), each run in a fresh process so that the peak resident memory is the
# analysis's own, and each after a run of bench/analysisfloor on the same
# program (x/tools' load, SSA and VTA alone: the floor under the analysis,
# measured side by side). Then the sandboxgen command on examples/webserver: cold
# (SANDBOXGEN_CACHE=off) for one architecture and for the default two (at
# once, and one after the other with SANDBOXGEN_JOBS=1), and
# warm (answered from the analysis cache) for -check, -json and -why, and
# cold for one architecture with GOMEMLIMIT=600MiB (what bounding the heap
# costs). Wall times are printed with CPU times (user + system), which a
# shared machine disturbs less.
#
# Usage: scripts/analysis-bench.sh [runs]   (default 5 runs per program)
#        ANALYSIS_BENCH_ONLY=command scripts/analysis-bench.sh [runs]
#        measures only the sandboxgen command (cold and warm).
# Targets on a 2-core machine (medians):
#   bigprog <= 5 s and <= 1 GiB cold;
#   webserver, one architecture: <= 3 s and <= 600 MiB cold;
#   webserver, amd64+arm64: <= 1.3x one architecture;
#   warm (nothing changed): <= 0.5 s and <= 100 MiB for every invocation.
# It then runs examples/webserver's workload locked and under strace and
# prints the allowed/observed ratio of syscalls (target <= 1.5).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
runs=${1:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ "${ANALYSIS_BENCH_ONLY:-}" != command ]; then
	go test -c -o "$tmp/analyzer.test" ./analyzer
	# The floor: x/tools' part alone (load, SSA, VTA over what CHA
	# reaches), run before each of the analysis's runs, side by side.
	(cd bench && go build -o "$tmp/analysisfloor" ./analysisfloor)
fi

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

# bench NAME DIR PATTERN: runs the analysis $runs times, each after a run of
# the floor, and prints each run and the medians; sets $med_wall and
# $med_mib.
bench() {
	local name=$1 dir=$2 pattern=$3 i wall kib user sys line floor
	: >"$tmp/$name.wall"
	: >"$tmp/$name.mib"
	: >"$tmp/$name.cpu"
	: >"$tmp/$name.floor"
	: >"$tmp/$name.floormib"
	for ((i = 1; i <= runs; i++)); do
		(cd "$dir" && /usr/bin/time -f '%e %M' -o "$tmp/time" "$tmp/analysisfloor" "$pattern" >/dev/null)
		read -r wall kib <"$tmp/time"
		echo "$wall" >>"$tmp/$name.floor"
		echo "$((kib / 1024))" >>"$tmp/$name.floormib"
		(cd "$root/analyzer" &&
			SANDBOXGEN_BENCH_DIR=$dir SANDBOXGEN_BENCH_PATTERN=$pattern \
				/usr/bin/time -f '%e %M %U %S' -o "$tmp/time" \
				"$tmp/analyzer.test" -test.run '^$' -test.bench '^BenchmarkAnalyze$' -test.benchtime 1x >"$tmp/out")
		read -r wall kib user sys <"$tmp/time"
		line=$(grep '^BenchmarkAnalyze' "$tmp/out")
		echo "$wall" >>"$tmp/$name.wall"
		echo "$((kib / 1024))" >>"$tmp/$name.mib"
		awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}' >>"$tmp/$name.cpu"
		printf '%-10s run %d: %6.2f s wall, %6.2f s CPU, %5d MiB peak  |%s\n' "$name" "$i" "$wall" "$(tail -1 "$tmp/$name.cpu")" "$((kib / 1024))" \
			"$(echo "$line" | tr -s ' \t' ' ' | sed 's/^BenchmarkAnalyze-[0-9]* 1 [0-9]* ns\/op//')"
	done
	med_wall=$(median <"$tmp/$name.wall")
	med_mib=$(median <"$tmp/$name.mib")
	printf '%-10s median: %.2f s wall, %.2f s CPU, %d MiB peak (%d runs)\n' "$name" "$med_wall" "$(median <"$tmp/$name.cpu")" "$med_mib" "$runs"
	floor=$(median <"$tmp/$name.floor")
	printf '%-10s floor (bench/analysisfloor, run before each): %.2f s (%s-%s), %d MiB; analysis / floor %.2f\n\n' "$name" "$floor" \
		"$(sort -g "$tmp/$name.floor" | head -1)" "$(sort -g "$tmp/$name.floor" | tail -1)" "$(median <"$tmp/$name.floormib")" \
		"$(awk -v a="$med_wall" -v b="$floor" 'BEGIN {printf "%.2f", a / b}')"
}

status=0
# within NAME VALUE LIMIT UNIT: prints whether VALUE <= LIMIT and sets
# status to 1 when not.
within() {
	if awk -v v="$2" -v l="$3" 'BEGIN {exit !(v <= l)}'; then
		echo "  $1: $2 $4 (target <= $3 $4) ok"
	else
		echo "  $1: $2 $4 (target <= $3 $4) OVER"
		status=1
	fi
}
if [ "${ANALYSIS_BENCH_ONLY:-}" != command ]; then
bench webserver "$root" ./examples/webserver
bench bigprog "$root/analyzer" ./testdata/bigprog
within "bigprog cold wall" "$med_wall" 5 s
within "bigprog cold peak" "$med_mib" 1024 MiB
echo
fi

# The sandboxgen command itself, cold and warm, on examples/webserver.
go build -o "$tmp/sandboxgen" ./cmd/sandboxgen
export XDG_CACHE_HOME="$tmp/cache"
# cmdbench NAME ENV ARGS...: runs sandboxgen $runs times in examples/webserver
# and sets $med_wall, $med_cpu and $med_mib (and prints min-max ranges).
cmdbench() {
	local name=$1 envs=$2 i wall kib user sys
	shift 2
	: >"$tmp/$name.wall"
	: >"$tmp/$name.mib"
	: >"$tmp/$name.cpu"
	for ((i = 1; i <= runs; i++)); do
		(cd "$root/examples/webserver" && env $envs /usr/bin/time -f '%e %M %U %S' -o "$tmp/time" "$tmp/sandboxgen" "$@" >/dev/null 2>"$tmp/err") ||
			{ cat "$tmp/err"; status=1; }
		# (time prints a line before its own when the command fails.)
		read -r wall kib user sys < <(tail -1 "$tmp/time")
		echo "$wall" >>"$tmp/$name.wall"
		echo "$((kib / 1024))" >>"$tmp/$name.mib"
		awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}' >>"$tmp/$name.cpu"
	done
	med_wall=$(median <"$tmp/$name.wall")
	med_mib=$(median <"$tmp/$name.mib")
	med_cpu=$(median <"$tmp/$name.cpu")
	printf '%-22s median %6.2f s (%s-%s), %6.2f s CPU, %5d MiB (%s-%s), %d runs\n' "$name" "$med_wall" \
		"$(sort -g "$tmp/$name.wall" | head -1)" "$(sort -g "$tmp/$name.wall" | tail -1)" "$med_cpu" \
		"$med_mib" "$(sort -g "$tmp/$name.mib" | head -1)" "$(sort -g "$tmp/$name.mib" | tail -1)" "$runs"
}
echo "sandboxgen on examples/webserver (load average $(cut -d' ' -f1-3 /proc/loadavg))"
cmdbench cold-amd64 SANDBOXGEN_CACHE=off -json -arch amd64 .
one_wall=$med_wall
one_cpu=$med_cpu
within "cold, one architecture, wall" "$med_wall" 3 s
within "cold, one architecture, peak" "$med_mib" 600 MiB
cmdbench cold-amd64+arm64 SANDBOXGEN_CACHE=off -json .
within "cold, two architectures / one" "$(awk -v a="$med_wall" -v b="$one_wall" 'BEGIN {printf "%.2f", a / b}')" 1.3 x
echo "  (CPU time, two architectures / one: $(awk -v a="$med_cpu" -v b="$one_cpu" 'BEGIN {printf "%.2f", a / b}'))"
within "cold, two architectures, peak" "$med_mib" 600 MiB
# The same one after the other, as on a machine without the memory for both
# at once (docs/how-it-works.md, "Architectures at once"): for information.
cmdbench cold-amd64+arm64-jobs1 "SANDBOXGEN_CACHE=off SANDBOXGEN_JOBS=1" -json .
echo "  (one after the other / one: $(awk -v a="$med_wall" -v b="$one_wall" 'BEGIN {printf "%.2f", a / b}'))"
# What bounding the heap costs (docs/troubleshooting.md): for information.
cmdbench cold-amd64-memlimit "SANDBOXGEN_CACHE=off GOMEMLIMIT=600MiB" -json -arch amd64 .
# Fill the cache once; the warm runs below then answer from it.
(cd "$root/examples/webserver" && "$tmp/sandboxgen" -check . >/dev/null 2>&1) || status=1
for args in "-check ." "-json ." "-why openat ." "-check -v ."; do
	# shellcheck disable=SC2086
	cmdbench "warm ${args% .}" "" $args
	within "warm ${args% .}, wall" "$med_wall" 0.5 s
	within "warm ${args% .}, peak" "$med_mib" 100 MiB
done
# go generate itself (go tool sandboxgen, with the environment go generate
# adds). go tool's sandboxgen is another binary than the one above, with
# its own entries: one run fills them.
(cd "$root/examples/webserver" && go generate . >/dev/null 2>&1) || status=1
: >"$tmp/generate.wall"
for ((i = 1; i <= runs; i++)); do
	(cd "$root/examples/webserver" && /usr/bin/time -f '%e' -o "$tmp/time" go generate . >/dev/null 2>&1) || status=1
	tail -1 "$tmp/time" >>"$tmp/generate.wall"
done
med_wall=$(median <"$tmp/generate.wall")
printf '%-22s median %6.2f s (%s-%s), %d runs (go tool links sandboxgen from the build cache first)\n' "warm go generate" "$med_wall" \
	"$(sort -g "$tmp/generate.wall" | head -1)" "$(sort -g "$tmp/generate.wall" | tail -1)" "$runs"
if [ "${ANALYSIS_BENCH_ONLY:-}" != command ]; then
echo
echo "precision: examples/webserver's workload, locked and under strace; then under strace and sandboxgen trace, which must agree"
go test ./analyzer -run '^(TestWebserverPrecision|TestWebserverTraceAgrees)$' -count=1 -v -args -webserver-precision |
	grep -E 'precision(_trace)?_test|^(ok|FAIL|---)' || status=1
fi
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
exit $status
