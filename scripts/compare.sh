#!/usr/bin/env bash
# Compare natterd with ngIRCd and InspIRCd (those installed) using natter-bench.
#
# Each server runs on one core and natter-bench on another (taskset), on
# loopback, with a throwaway config in a temporary directory and flood control
# off. Every (round, scenario) starts each server afresh, in an order that
# rotates between rounds, so slow drift on a shared machine hits all servers
# alike. The result is a table of medians with ratios to ngIRCd's.
# It installs nothing: servers that are not installed are left out.
#
# Usage: scripts/compare.sh [--rounds N] [--quick] [--times N] [--out DIR]
#                           [--only SERVER,...] [--scenarios NAME,...] [--old NATTERD]
#                           [--stall-limit SECONDS]
#   --rounds N     alternated rounds per scenario (default 3)
#   --quick        about a tenth of the messages, 2000 idle connections (a smoke test)
#   --times N      N times the messages of every traffic scenario (longer, steadier runs)
#   --out DIR      keep the JSON reports there (default: a temporary directory)
#   --only LIST    servers to run, of: natterd,natterd-nohist,ngircd,inspircd,old,old-nohist
#   --scenarios L  scenarios to run, of: 100x1,100x10,1000x1,1000x10,whisper,paced,idle
#                  (default all)
#   --old PATH     another natterd binary (e.g. an older build), run as the servers
#                  `old` and `old-nohist` exactly like `natterd` and `natterd-nohist`:
#                  an A/B of two builds is `--old A --only old-nohist,natterd-nohist`
#                  with NATTERD=B; the table's ratios are then to `old`.
#   --stall-limit S  a traffic run with no new delivery for S seconds while its
#                  senders still write is cut short (default 30), and so is one
#                  still not done after 600 s (times --times): it shows as
#                  STALLED with its partial numbers, the table counts it in a
#                  "stalled runs" row and leaves it out of the medians, and the
#                  comparison goes on with the next run.
# Every run prints one line (deliveries/s, server CPU-s per million deliveries,
# lost, out of order) and each round the load average, so a table's medians can
# be checked against every round and the load they ran under.
# Environment: NATTERD, NATTER_BENCH (binaries; default: target/release, built
# if missing), SERVER_CPU (default 0), BENCH_CPUS (default 1), PACED_RATE
# (messages/s of the paced 100x10 run, default 14700: 1.46 M deliveries/s).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=3 quick=0 times=1 out="" old="" stall_limit=30 only="natterd,natterd-nohist,ngircd,inspircd"
wanted="100x1,100x10,1000x1,1000x10,whisper,paced,idle"
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --quick) quick=1; shift ;;
    --times) times="$2"; shift 2 ;;
    --scenarios) wanted="$2"; shift 2 ;;
    --old) old="$2"; shift 2 ;;
    --stall-limit) stall_limit="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --only) only="$2"; shift 2 ;;
    -h|--help) sed -n '2,35p' "$0"; exit 0 ;;
    *) echo "compare.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

natterd="${NATTERD:-target/release/natterd}"
bench="${NATTER_BENCH:-target/release/natter-bench}"
if [ ! -x "$natterd" ] || [ ! -x "$bench" ]; then
  echo "== building natterd and natter-bench (release)"
  cargo build --release -p natterd -p natter-bench
fi
paced_rate="${PACED_RATE:-14700}"
# pin_cpus, free_port, wait_for_port, start_server NAME PORT DIR (sets $pid), stop_server.
. scripts/servers.sh
pin_cpus compare.sh
ngircd="$(find_ngircd)" inspircd="$(find_inspircd)"

servers=()
for name in ${only//,/ }; do
  case "$name" in
    natterd|natterd-nohist) servers+=("$name") ;;
    old|old-nohist)
      if [ -x "$old" ]; then servers+=("$name"); else
        echo "compare.sh: $name needs --old PATH (an executable natterd)" >&2; exit 2
      fi ;;
    ngircd) if [ -n "$ngircd" ]; then servers+=(ngircd); else echo "ngircd not installed: left out" >&2; fi ;;
    inspircd) if [ -n "$inspircd" ]; then servers+=(inspircd); else echo "inspircd not installed: left out" >&2; fi ;;
    *) echo "compare.sh: unknown server $name" >&2; exit 2 ;;
  esac
done

# Enough descriptors for the idle scenario on both sides.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
idle_connections=10000
[ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt 20500 ] && idle_connections=$(( ($(ulimit -n) - 500) / 2 ))

scale() { if [ "$quick" = 1 ]; then echo $(( $1 * times / 10 )); else echo $(( $1 * times )); fi; }
[ "$quick" = 1 ] && idle_connections=2000
declare -A by_name=(
  [100x1]="fanout --receivers 100 --senders 1 --messages $(scale 30000)"
  [100x10]="fanout --receivers 100 --senders 10 --messages $(scale 30000)"
  [1000x1]="fanout --receivers 1000 --senders 1 --messages $(scale 3000)"
  [1000x10]="fanout --receivers 1000 --senders 10 --messages $(scale 3000)"
  [whisper]="whisper --pairs 100 --messages $(scale 300000)"
  [paced]="fanout --receivers 100 --senders 10 --rate $paced_rate --duration $([ "$quick" = 1 ] && echo 2 || echo 5)"
  [idle]="idle --connections $idle_connections --hold 2"
)
scenarios=()
for name in ${wanted//,/ }; do
  if [ -z "${by_name[$name]:-}" ]; then echo "compare.sh: unknown scenario $name" >&2; exit 2; fi
  scenarios+=("${by_name[$name]}")
done

work="$(mktemp -d "${TMPDIR:-/tmp}/natter-compare.XXXXXX")"
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
out="${out:-$work/results}"
mkdir -p "$out"

# One line from natter-bench's table: rate, CPU per delivery, lost, out of order.
summary() {
  awk -F'  +' '
    /deliveries\/s/ { rate = $3 } /server CPU-s per million/ { cpu = $3 }
    /^  lost/ { lost = $3 } /order violations/ { order = $3 }
    END { printf "   %s deliveries/s, %s server CPU-s per M deliveries, %s lost, %s out of order\n",
          rate, cpu, lost, order }' "$1"
}

echo "== servers: ${servers[*]}; rounds: $rounds; reports in $out"
for round in $(seq 1 "$rounds"); do
  echo "-- round $round, load: $(uptime | sed 's/.*load average/load average/')"
  # Rotate the order each round.
  shift_by=$(( (round - 1) % ${#servers[@]} ))
  order=("${servers[@]:$shift_by}" "${servers[@]:0:$shift_by}")
  for index in "${!scenarios[@]}"; do
    scenario="${scenarios[$index]}"
    for name in "${order[@]}"; do
      port="$(free_port)"
      dir="$work/$name-$round-$index"
      start_server "$name" "$port" "$dir"
      echo "-- round $round, $name: natter-bench $scenario"
      extra=(--stall-limit "$stall_limit" --time-limit $(( 600 * times )))
      if [[ "$scenario" == idle* ]]; then
        extra=()
        # ngIRCd listens with a backlog of 10: natter-bench's 64 parallel
        # connects overflow it (lost handshakes: resets, 60 s waits).
        # (InspIRCd registers slowly, 8 at a time would take 10 minutes.)
        [ "$name" = ngircd ] && extra=(--parallel-connects 8)
      fi
      status=0
      # shellcheck disable=SC2086 # the scenario is a list of arguments
      "${pin_bench[@]}" "$bench" $scenario "${extra[@]}" --server "127.0.0.1:$port" \
        --server-pid "$pid" --label "$name" --json "$out/r$round-s$index-$name.json" \
        >"$dir/bench.log" 2>&1 || status=$?
      if [ "$status" = 3 ]; then
        echo "   STALLED: $(grep -m1 'STALLED' "$dir/bench.log" | sed 's/^ *STALLED *//')"
        summary "$dir/bench.log"
      elif [ "$status" != 0 ]; then
        echo "   failed: $(tail -n 3 "$dir/bench.log")" >&2
      elif [[ "$scenario" != idle* ]]; then
        summary "$dir/bench.log"
      fi
      stop_server
    done
  done
done

echo "== load at the end: $(uptime | sed 's/.*load average/load average/')"
if [[ " ${servers[*]} " == *" old"* ]]; then
  # Two builds: each history mode on its own, ratios to the old build.
  for pair in "old natterd" "old-nohist natterd-nohist"; do
    set -- $pair
    [[ " ${servers[*]} " == *" $1 "* && " ${servers[*]} " == *" $2 "* ]] || continue
    echo
    "$bench" table "$out"/*-"$1".json "$out"/*-"$2".json --baseline "$1"
  done
  exit 0
fi
baseline=ngircd
[[ " ${servers[*]} " == *" ngircd "* ]] || baseline="${servers[0]}"
echo
"$bench" table "$out"/*.json --baseline "$baseline"
