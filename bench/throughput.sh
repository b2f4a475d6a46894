#!/usr/bin/env bash
# Throughput of the example web server with and without its seccomp filter.
#
# The same binary runs with Lock (the generated filter, enforce mode) and
# with -nolock, under the same closed-loop load from a second process
# (bench/loadgen) on loopback. Runs alternate between the two so that drift
# (thermal, other load) hits both alike; the script prints the median
# requests per second of each and the ratio locked/unlocked (target >= 0.98).
# Throughput on a shared machine is noisy, so it also prints the server's
# CPU time per request (user+system from /proc/PID/stat over the whole run,
# divided by the requests it served): that ratio is the steadier measure of
# what the filter costs.
# With two or more CPUs the server is pinned to CPU 0 and the load generator
# to CPU 1 with taskset, so they do not compete for one core.
#
# Usage: bench/throughput.sh [-r rounds] [-d seconds] [-c connections] [-p path]
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=7 seconds=5 conns=16 path=/index.html
while getopts "r:d:c:p:h" opt; do
	case $opt in
	r) rounds=$OPTARG ;;
	d) seconds=$OPTARG ;;
	c) conns=$OPTARG ;;
	p) path=$OPTARG ;;
	*) sed -n '2,13p' "$0"; exit 2 ;;
	esac
done

tmp=$(mktemp -d)
server_pid=
cleanup() {
	if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

go build -o "$tmp/webserver" ./examples/webserver
(cd bench && go build -o "$tmp/loadgen" ./loadgen)

server_cpu=() client_cpu=()
if command -v taskset >/dev/null && (($(nproc) >= 2)); then
	server_cpu=(taskset -c 0) client_cpu=(taskset -c 1)
fi

hz=$(getconf CLK_TCK)

# one_run VARIANT prints the requests per second of one run and the
# server's CPU microseconds per request.
one_run() {
	local flags=()
	[[ $1 == nolock ]] && flags=(-nolock)
	# A fresh file: the previous run's address must not be read.
	rm -f "$tmp/out"
	"${server_cpu[@]}" "$tmp/webserver" -addr 127.0.0.1:0 -root examples/webserver/static "${flags[@]}" \
		>"$tmp/out" 2>"$tmp/err" &
	server_pid=$!
	local addr=
	for _ in $(seq 100); do
		addr=$(sed -n 's|^listening on http://||p' "$tmp/out" 2>/dev/null)
		[[ -n $addr ]] && break
		sleep 0.05
	done
	if [[ -z $addr ]]; then
		echo "the server did not start:" >&2
		cat "$tmp/err" >&2
		exit 1
	fi
	if [[ $1 == lock ]] && ! grep -q "Seccomp:[[:space:]]*2" "/proc/$server_pid/status"; then
		echo "the locked server is not under a seccomp filter" >&2
		exit 1
	fi
	if ! "${client_cpu[@]}" "$tmp/loadgen" -url "http://$addr$path" -c "$conns" -d "${seconds}s" -warmup 1s >"$tmp/load"; then
		echo "the load generator saw errors ($1 run):" >&2
		cat "$tmp/load" "$tmp/err" >&2
		exit 1
	fi
	local ticks total
	# Fields 14 and 15 of /proc/PID/stat (after the parenthesised name):
	# user and system time in clock ticks.
	ticks=$(sed 's/^.*) //' "/proc/$server_pid/stat" | awk '{print $12 + $13}')
	total=$(sed -n 's/^requests_total //p' "$tmp/load")
	echo "$(sed -n 's/^requests_per_second //p' "$tmp/load") $(awk -v t="$ticks" -v hz="$hz" -v n="$total" 'BEGIN {printf "%.2f", t / hz * 1e6 / n}')"
	kill -TERM "$server_pid"
	wait "$server_pid"
	server_pid=
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

: >"$tmp/lock"
: >"$tmp/nolock"
: >"$tmp/lock.cpu"
: >"$tmp/nolock.cpu"
for ((i = 1; i <= rounds; i++)); do
	# Alternate which variant goes first.
	if ((i % 2)); then order=(lock nolock); else order=(nolock lock); fi
	for v in "${order[@]}"; do
		read -r rps cpu < <(one_run "$v")
		echo "$rps" >>"$tmp/$v"
		echo "$cpu" >>"$tmp/$v.cpu"
		printf 'round %d %-6s %10.1f req/s %8.2f us CPU/request\n' "$i" "$v" "$rps" "$cpu"
	done
done

lock=$(median <"$tmp/lock")
nolock=$(median <"$tmp/nolock")
echo "GET $path, $conns connections, ${seconds}s x $rounds rounds, $(go version | cut -d' ' -f3), $(nproc) CPUs"
printf 'median locked   %10.1f req/s\n' "$lock"
printf 'median unlocked %10.1f req/s\n' "$nolock"
lockcpu=$(median <"$tmp/lock.cpu")
nolockcpu=$(median <"$tmp/nolock.cpu")
printf 'median CPU per request: locked %.2f us, unlocked %.2f us\n' "$lockcpu" "$nolockcpu"
awk -v l="$lock" -v n="$nolock" 'BEGIN {printf "throughput ratio locked/unlocked %.3f (target >= 0.98)\n", l/n}'
awk -v l="$lockcpu" -v n="$nolockcpu" 'BEGIN {printf "CPU-cost ratio unlocked/locked %.3f (requests per CPU second, locked relative to unlocked)\n", n/l}'
