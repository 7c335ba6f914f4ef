#!/usr/bin/env bash
# Check natter-bench against an independent tool: scripts/crosscheck.py
# (Python, no code shared with natter-bench) measures the same fan-out
# scenarios against the same servers, and the two tools' deliveries/s and
# server CPU-seconds per million deliveries are set side by side.
#
# Servers are started as scripts/compare.sh starts them (scripts/servers.sh:
# throwaway configs, loopback, server pinned to CPU 0, the tool to CPU 1),
# afresh for every run; each round runs every server with both tools, the
# tools' order swapped every round, so drift on a shared machine hits both.
#
# Usage: scripts/crosscheck.sh [--rounds N] [--only SERVER,...] [--scenarios NAME,...]
#   --rounds N     alternated rounds (default 4)
#   --only LIST    servers, of: natterd,natterd-nohist,ngircd,inspircd (default natterd,ngircd)
#   --scenarios L  of: 100x1,100x10,1000x1,1000x10,whisper (default 100x1,100x10;
#                  whisper: 100 pairs, 300 000 messages, as compare.sh)
# Environment: NATTERD, NATTER_BENCH (binaries, default target/release),
# SERVER_CPU (default 0), BENCH_CPUS (default 1).
# Every run prints one line; at the end, per scenario and server, the median
# of each tool and the ratio crosscheck / natter-bench (1.00: they agree).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=4 only="natterd,ngircd" wanted="100x1,100x10"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    --scenarios) wanted="$2"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) echo "crosscheck.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

natterd="${NATTERD:-target/release/natterd}"
bench="${NATTER_BENCH:-target/release/natter-bench}"
old=""
for binary in "$natterd" "$bench"; do
  [ -x "$binary" ] || { echo "crosscheck.sh: $binary missing (cargo build --release)" >&2; exit 2; }
done
# pin_cpus, free_port, wait_for_port, start_server NAME PORT DIR (sets $pid), stop_server.
. scripts/servers.sh
pin_cpus crosscheck.sh
ngircd="$(find_ngircd)" inspircd="$(find_inspircd)"

servers=()
for name in ${only//,/ }; do
  case "$name" in
    natterd|natterd-nohist) servers+=("$name") ;;
    ngircd|inspircd)
      if [ -n "${!name}" ]; then servers+=("$name"); else echo "$name not installed: left out" >&2; fi ;;
    *) echo "crosscheck.sh: unknown server $name" >&2; exit 2 ;;
  esac
done
# receivers, senders, messages (whisper: pairs, -, messages)
declare -A shapes=([100x1]="100 1 30000" [100x10]="100 10 30000" [1000x1]="1000 1 3000"
  [1000x10]="1000 10 3000" [whisper]="100 - 300000")
scenarios=()
for name in ${wanted//,/ }; do
  [ -n "${shapes[$name]:-}" ] || { echo "crosscheck.sh: unknown scenario $name" >&2; exit 2; }
  scenarios+=("$name")
done

work="$(mktemp -d "${TMPDIR:-/tmp}/natter-crosscheck.XXXXXX")"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
results="$work/results.tsv"
: >"$results"

# run_tool TOOL SCENARIO NAME PORT LOG: one measured run; appends a result row.
run_tool() {
  local tool="$1" scenario="$2" name="$3" port="$4" log="$5" rate cpu shape
  read -r receivers senders messages <<<"${shapes[$scenario]}"
  if [ "$scenario" = whisper ]; then
    shape=(--pairs "$receivers" --messages "$messages")
  else
    shape=(--receivers "$receivers" --senders "$senders" --messages "$messages")
  fi
  if [ "$tool" = natter-bench ]; then
    local command=fanout
    [ "$scenario" = whisper ] && command=whisper
    "${pin_bench[@]}" "$bench" "$command" "${shape[@]}" --server "127.0.0.1:$port" \
      --server-pid "$pid" --stall-limit 10 >"$log" 2>&1 || true
    rate="$(awk -F'  +' '/deliveries\/s/ { print $3 }' "$log")"
    cpu="$(awk -F'  +' '/server CPU-s per million/ { print $3 }' "$log")"
  else
    "${pin_bench[@]}" python3 scripts/crosscheck.py "${shape[@]}" --server "127.0.0.1:$port" \
      --server-pid "$pid" --label "$name" >"$log" 2>&1 || true
    rate="$(sed -n 's/.*: \([0-9]*\) deliveries\/s.*/\1/p' "$log")"
    cpu="$(sed -n 's/.* = \([0-9.]*\) CPU-s per M.*/\1/p' "$log")"
  fi
  if [ -z "$rate" ] || [ -z "$cpu" ]; then
    echo "   failed: $(tail -n 2 "$log")" >&2
    return
  fi
  printf '%s\t%s\t%s\t%s\t%s\n' "$scenario" "$name" "$tool" "$rate" "$cpu" >>"$results"
  printf '   %-12s %10.0f deliveries/s, %s server CPU-s per M deliveries\n' "$tool" "$rate" "$cpu"
}

echo "== servers: ${servers[*]}; scenarios: ${scenarios[*]}; rounds: $rounds"
for round in $(seq 1 "$rounds"); do
  echo "-- round $round, load: $(uptime | sed 's/.*load average/load average/')"
  tools=(natter-bench crosscheck)
  [ $((round % 2)) = 0 ] && tools=(crosscheck natter-bench)
  for scenario in "${scenarios[@]}"; do
    for name in "${servers[@]}"; do
      echo "-- round $round, $scenario, $name"
      for tool in "${tools[@]}"; do
        dir="$work/$round-$scenario-$name-$tool"
        port="$(free_port)"
        start_server "$name" "$port" "$dir"
        run_tool "$tool" "$scenario" "$name" "$port" "$dir/tool.log"
        stop_server
      done
    done
  done
done
echo "== load at the end: $(uptime | sed 's/.*load average/load average/')"
echo
python3 - "$results" <<'EOF'
import statistics, sys
rows = [line.split("\t") for line in open(sys.argv[1]).read().splitlines()]
print("| scenario | server | deliveries/s natter-bench | crosscheck | ratio "
      "| CPU-s per M natter-bench | crosscheck | ratio |")
print("|---|---|---|---|---|---|---|---|")
keys = []
for scenario, name, *_ in rows:
    if (scenario, name) not in keys:
        keys.append((scenario, name))
for scenario, name in keys:
    def med(tool, column):
        values = [float(r[column]) for r in rows if r[:3] == [scenario, name, tool]]
        return statistics.median(values) if values else float("nan")
    rate_nb, rate_cc = med("natter-bench", 3), med("crosscheck", 3)
    cpu_nb, cpu_cc = med("natter-bench", 4), med("crosscheck", 4)
    print(f"| {'whisper 100' if scenario == 'whisper' else 'fanout ' + scenario} | {name} | {rate_nb / 1e6:.2f} M | {rate_cc / 1e6:.2f} M "
          f"| {rate_cc / rate_nb:.2f} | {cpu_nb:.3f} | {cpu_cc:.3f} | {cpu_cc / cpu_nb:.2f} |")
print("\nMedians per tool; ratio = crosscheck / natter-bench.")
EOF
