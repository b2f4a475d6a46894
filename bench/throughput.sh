#!/usr/bin/env bash
# Throughput of the example web server with and without its seccomp filter.
#
# Three builds of the example serve the same path: "lock" (the generated
# filter, enforce mode), "nolock" (the same binary with -nolock) and
# "floor" (locked with a filter that allows everything: the generated file
# with each program's first instruction made RET ALLOW, swapped in with go
# build -overlay, so that the binary's layout is the same: what any
# seccomp filter costs on this kernel, so that the generated filter's own
# cost can be told from the kernel's).
#
# A second process, bench/loadgen, loads them on loopback, closed loop,
# -c keep-alive connections per server, one server at a time in slices of
# 100 ms in turn (lock, nolock, floor, lock, ...): the two servers of a
# ratio run a fraction of a second apart, so drift on a shared machine
# (other tenants, frequency changes), which moves consecutive runs of
# seconds by tens of per cent here, hits both alike. Idle servers wait in
# epoll and cost nothing. The servers share CPU 0 and the load generator
# has CPU 1 (taskset, with two or more CPUs).
#
# Each round starts fresh servers (the order rotates) and loads them for
# -d seconds. The script prints, per variant, the requests per second in
# its own slices and the CPU time per request (user+system from
# /proc/PID/stat over the round, divided by the requests served); then the
# median and interquartile range, over every cycle of every round, of the
# ratios of requests served in one cycle, with the target, locked/allow-all
# (>= 0.99), and locked/unlocked beside it set apart at the end; and how
# busy the load generator was (near one CPU, it and not the servers would
# set the pace). With perf, it also counts each server's syscalls per
# request.
#
# Usage: bench/throughput.sh [-r rounds] [-d seconds] [-c connections] [-p path]
set -eEuo pipefail
# Say which command ended the script, should one fail.
trap 'echo "throughput.sh: line $LINENO: a command failed (status $?)" >&2' ERR
cd "$(dirname "$0")/.."

rounds=6 seconds=20 conns=16 path=/
while getopts "r:d:c:p:h" opt; do
	case $opt in
	r) rounds=$OPTARG ;;
	d) seconds=$OPTARG ;;
	c) conns=$OPTARG ;;
	p) path=$OPTARG ;;
	*) sed -n '2,31p' "$0"; exit 2 ;;
	esac
done

tmp=$(mktemp -d)
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/webserver" ./examples/webserver
goarch=$(go env GOARCH)
# The floor is the generated file itself with the first instruction of
# each program (the narrow one and the fallback) replaced by RET ALLOW: the
# rest of the program stays in the binary but never runs, so the two
# builds differ in one instruction word and not in layout (a different
# file shifted code and data, which moved throughput by about 1 %).
awk '/^\t+Instructions: \[\]selfsandbox\.Instruction\{$/ { pending = 1 }
	pending && /^\t+\{Code:/ { sub(/\{Code:.*\},/, "{Code: 0x06, Jt: 0, Jf: 0, K: 0x7fff0000},"); pending = 0 }
	{ print }' "examples/webserver/sandbox_linux_$goarch.go" >"$tmp/allowall.go"
if [ "$(diff "examples/webserver/sandbox_linux_$goarch.go" "$tmp/allowall.go" | grep -c '^>')" -lt 1 ]; then
	echo "throughput.sh: could not make the allow-all floor from examples/webserver/sandbox_linux_$goarch.go" >&2
	exit 1
fi
printf '{"Replace": {"%s": "%s"}}' "$(pwd)/examples/webserver/sandbox_linux_$goarch.go" "$tmp/allowall.go" >"$tmp/overlay.json"
go build -overlay "$tmp/overlay.json" -o "$tmp/webserver-floor" ./examples/webserver
(cd bench && go build -o "$tmp/loadgen" ./loadgen)

server_cpu=() client_cpu=()
if command -v taskset >/dev/null && (($(nproc) >= 2)); then
	server_cpu=(taskset -c 0) client_cpu=(taskset -c 1)
else
	echo "warning: no taskset or fewer than two CPUs: the servers and the load generator share CPUs" >&2
fi

hz=$(getconf CLK_TCK)
# With perf and its syscall tracepoint, each server's syscalls are counted
# too: the same count per request locked and unlocked shows that the
# difference is what each syscall costs, not extra work.
perf=
if command -v perf >/dev/null && perf stat -e raw_syscalls:sys_enter -o /dev/null true 2>/dev/null; then
	perf=1
else
	echo "note: no perf with the raw_syscalls tracepoint here: syscalls per request are not counted" >&2
fi
variants=(lock nolock floor)
declare -A addr pid

# start VARIANT starts that server and sets addr[VARIANT], pid[VARIANT].
start() {
	local flags=() bin=$tmp/webserver
	[[ $1 == nolock ]] && flags=(-nolock)
	[[ $1 == floor ]] && bin=$tmp/webserver-floor
	# A fresh file: a previous round's address must not be read.
	rm -f "$tmp/$1.out"
	"${server_cpu[@]}" "$bin" -addr 127.0.0.1:0 -root examples/webserver/static "${flags[@]}" \
		>"$tmp/$1.out" 2>"$tmp/$1.err" &
	pid[$1]=$!
	pids+=("$!")
	local a=
	for _ in $(seq 100); do
		# The file does not exist until the shell that starts the server
		# has opened it, which on a loaded machine can come after this
		# first look; sed then fails, and under set -e that failure used to
		# end the script silently in its second round (the one message left
		# was bash's "wait_for: No record of process" from the clean-up).
		a=$(sed -n 's|^listening on http://||p' "$tmp/$1.out" 2>/dev/null) || a=
		[[ -n $a ]] && break
		sleep 0.05
	done
	if [[ -z $a ]]; then
		echo "the $1 server did not start:" >&2
		cat "$tmp/$1.err" >&2
		exit 1
	fi
	if [[ $1 != nolock ]] && ! grep -q "Seccomp:[[:space:]]*2" "/proc/${pid[$1]}/status"; then
		echo "the $1 server is not under a seccomp filter" >&2
		exit 1
	fi
	addr[$1]=$a
}

# stop VARIANT ends that server and reaps it. It does not depend on what
# wait reports: on a loaded machine bash may already have collected the
# child, and `wait PID` then fails ("wait_for: No record of process"),
# which under set -e ended the script after its first round. A server that
# does not end within 5 s of SIGTERM gets SIGKILL.
stop() {
	local p=${pid[$1]} state
	kill -TERM "$p" 2>/dev/null || true
	for _ in $(seq 100); do
		state=$(sed 's/^.*) //' "/proc/$p/stat" 2>/dev/null | cut -d' ' -f1) || state=
		[[ -z $state || $state == Z ]] && break
		sleep 0.05
	done
	kill -KILL "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
}

# alive VARIANT fails, with the server's messages, when it has ended.
alive() {
	local state
	state=$(sed 's/^.*) //' "/proc/${pid[$1]}/stat" 2>/dev/null | cut -d' ' -f1) || state=
	if [[ -z $state || $state == Z ]]; then
		echo "the $1 server (pid ${pid[$1]}) has ended:" >&2
		cat "$tmp/$1.err" >&2
		return 1
	fi
}

# cpu_per_request VARIANT REQUESTS prints the server's CPU microseconds per
# request so far.
cpu_per_request() {
	local ticks
	# Fields 14 and 15 of /proc/PID/stat (after the parenthesised name):
	# user and system time in clock ticks.
	ticks=$(sed 's/^.*) //' "/proc/${pid[$1]}/stat" | awk '{print $12 + $13}')
	awk -v t="$ticks" -v hz="$hz" -v n="$2" 'BEGIN {printf "%.2f\n", t / hz * 1e6 / n}'
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
# quartiles prints "median (interquartile range q1..q3)" of its input.
quartiles() {
	sort -g | awk '{a[NR]=$1}
		function q(p,  i) {i = 1 + p * (NR - 1); return a[int(i)] + (i - int(i)) * (a[int(i) + 1] - a[int(i)])}
		END {printf "%.3f (interquartile range %.3f..%.3f, %d cycles)", q(0.5), q(0.25), q(0.75), NR}'
}

for v in "${variants[@]}"; do : >"$tmp/$v.rps"; : >"$tmp/$v.cpu"; : >"$tmp/$v.cycles"; : >"$tmp/$v.sys"; done
: >"$tmp/loadgen.cpu"
for ((i = 1; i <= rounds; i++)); do
	case $((i % 3)) in
	1) order=(lock nolock floor) ;;
	2) order=(nolock floor lock) ;;
	0) order=(floor lock nolock) ;;
	esac
	urls=()
	for v in "${order[@]}"; do
		start "$v"
		urls+=(-url "http://${addr[$v]}$path")
	done
	for v in "${order[@]}"; do alive "$v"; done
	perfs=()
	if [[ -n $perf ]]; then
		for v in "${order[@]}"; do
			perf stat -x, -e raw_syscalls:sys_enter -p "${pid[$v]}" -o "$tmp/$v.perf" &
			perfs+=("$!")
		done
	fi
	if ! "${client_cpu[@]}" "$tmp/loadgen" "${urls[@]}" -c "$conns" -d "${seconds}s" -warmup 1s >"$tmp/load"; then
		echo "the load generator saw errors (round $i):" >&2
		cat "$tmp/load" >&2
		for v in "${order[@]}"; do cat "$tmp/$v.err" >&2; done
		exit 1
	fi
	sed -n 's/^loadgen_cpu //p' "$tmp/load" >>"$tmp/loadgen.cpu"
	if ((${#perfs[@]} > 0)); then
		kill -INT "${perfs[@]}" 2>/dev/null || true
		wait "${perfs[@]}" 2>/dev/null || true
	fi
	for v in "${order[@]}"; do alive "$v"; done
	for j in "${!order[@]}"; do
		v=${order[$j]}
		rps=$(awk -v j="$j" '$1 == "requests_per_second" && $2 == j {print $3}' "$tmp/load")
		total=$(awk -v j="$j" '$1 == "requests_total" && $2 == j {print $3}' "$tmp/load")
		cpu=$(cpu_per_request "$v" "$total")
		echo "$rps" >>"$tmp/$v.rps"
		echo "$cpu" >>"$tmp/$v.cpu"
		# This round's per-cycle counts of the variant, one a line.
		awk -v f=$((j + 2)) '$1 == "cycle" {print $f}' "$tmp/load" >>"$tmp/$v.cycles"
		sys=
		if [[ -n $perf ]]; then
			# perf counted from before the warm-up to the end, like
			# requests_total.
			sys=$(awk -F, -v n="$total" '$3 ~ /raw_syscalls:sys_enter/ {printf "%.2f", $1 / n}' "$tmp/$v.perf")
			echo "$sys" >>"$tmp/$v.sys"
			sys="  $sys syscalls/request"
		fi
		printf 'round %d %-6s %10.1f req/s %8.2f us CPU/request%s\n' "$i" "$v" "$rps" "$cpu" "$sys"
		stop "$v"
	done
	pids=()
done

echo "GET $path, $conns connections per server, ${seconds}s x $rounds rounds in 100 ms turns, $(go version | cut -d' ' -f3), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
for v in "${variants[@]}"; do
	sys=
	[[ -n $perf ]] && sys=$(printf '  %.2f syscalls/request' "$(median <"$tmp/$v.sys")")
	printf 'median %-6s %10.1f req/s %8.2f us CPU/request%s\n' "$v" "$(median <"$tmp/$v.rps")" "$(median <"$tmp/$v.cpu")" "$sys"
done
printf 'load generator: median %.2f of a CPU busy\n' "$(median <"$tmp/loadgen.cpu")"
# ratio A B prints the per-cycle ratios of A's requests to B's.
ratio() { paste "$tmp/$1.cycles" "$tmp/$2.cycles" | awk '$2 > 0 {print $1 / $2}'; }
echo "throughput ratio allow-all/unlocked $(ratio floor nolock | quartiles): what any filter costs on this kernel"
echo
echo "=== throughput, per-cycle ratios (median, interquartile range) ==="
echo "locked/allow-all  $(ratio lock floor | quartiles)  target >= 0.99: the generated filter beyond the kernel's price for any filter"
echo "locked/unlocked   $(ratio lock nolock | quartiles)  beside it: everything seccomp costs"
echo
lockcpu=$(median <"$tmp/lock.cpu") nolockcpu=$(median <"$tmp/nolock.cpu")
awk -v l="$lockcpu" -v n="$nolockcpu" 'BEGIN {printf "CPU-cost ratio unlocked/locked %.3f (requests per CPU second, locked relative to unlocked)\n", n/l}'
