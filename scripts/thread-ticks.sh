#!/usr/bin/env bash
# Where natterd's CPU goes during a whisper run, thread by thread.
#
# Runs one natterd (a throwaway config on a loopback port, flood control off,
# history on or off) pinned to one CPU, sends it whispers between 100 pairs
# with natter-bench pinned to another, then prints natter-bench's summary,
# the bytes natterd wrote (/proc/PID/io) and each thread's CPU time in clock
# ticks (utime + stime, 10 ms each), read 2 s after the run so the history
# writer has finished its last commit. Threads of one name are summed:
#   tokio-rt-worker=118 history-writer=31 natterd=0 ...
# Alternate two builds (A B B A ...) on a shared machine and compare the
# ticks per thread, not the rates: the worker's and the writer's ticks say
# which side of history a change moved.
#
# Usage: scripts/thread-ticks.sh NATTERD HISTORY [MESSAGES] [PERF_OUT]
#   NATTERD   a release natterd binary
#   HISTORY   true or false: natterd's [history] enabled
#   MESSAGES  whispers in all (default 1200000)
#   PERF_OUT  if set, `perf record -e cpu-clock -g` of the server's CPU during
#             the run is written there (needs perf)
# Environment: NATTER_BENCH (default target/release/natter-bench), SERVER_CPU
# (default 0), BENCH_CPUS (default 1).
set -euo pipefail
if [ $# -lt 2 ] || [ "$1" = -h ] || [ "$1" = --help ]; then sed -n '2,22p' "$0"; exit 2; fi
natterd="$(realpath "$1")" history="$2" messages="${3:-1200000}" perf_out="${4:-}"
case "$history" in true|false) ;; *) echo "thread-ticks.sh: HISTORY is true or false" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."
# shellcheck source=scripts/servers.sh
source scripts/servers.sh
bench="${NATTER_BENCH:-target/release/natter-bench}"
[ -x "$bench" ] || { echo "thread-ticks.sh: no natter-bench at $bench: cargo build --release -p natter-bench, or set NATTER_BENCH" >&2; exit 2; }
pin_cpus thread-ticks.sh
dir="$(mktemp -d)"
port="$(free_port)"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$dir"
}
trap cleanup EXIT
server=natterd
[ "$history" = false ] && server=natterd-nohist
start_server "$server" "$port" "$dir"
wait_for_port "$port"
run=("${pin_bench[@]}" "$bench" whisper --server "127.0.0.1:$port" --pairs 100 --messages "$messages" --server-pid "$pid")
if [ -n "$perf_out" ]; then
  perf record -q -e cpu-clock -F 4000 -a -C "${SERVER_CPU:-0}" -g -o "$perf_out" -- "${run[@]}" 2>&1 | grep -E "deliveries|CPU" | head -5
else
  "${run[@]}" 2>&1 | grep -E "deliveries/s|CPU" | head -5
fi
sleep 2
grep -E "wchar|syscw|write_bytes" "/proc/$pid/io" | tr '\n' ' '
echo
for task in /proc/"$pid"/task/*; do
  # Fields after the command name; utime and stime are the 14th and 15th of stat.
  read -r -a fields <<<"$(sed 's/.*) //' "$task/stat")"
  echo "$(cat "$task/comm") $((fields[11] + fields[12]))"
done | sort | awk '{ticks[$1] += $2} END {for (name in ticks) printf "%s=%d ", name, ticks[name]; print ""}'
