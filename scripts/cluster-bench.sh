#!/usr/bin/env bash
# One room spread over two natterd cluster nodes against the same room on one
# node, with natter-bench.
#
# Starts a nats-server with JetStream (temporary directory, loopback port),
# a single natterd (no cluster) and two natterd nodes of one cluster, all with
# the same throwaway config (history on, flood control off). Then, for each of
# --rounds rounds, in turn: the same fan-out (--receivers members, --senders
# of them sending) against the single natterd ("one node") and with its
# members alternating between the two cluster nodes ("two nodes"), once as
# fast as it goes (deliveries/s) and once paced at --rate messages/s (latency
# p50/p99 from send to delivery). Prints natter-bench's comparison table
# (medians, ratios to "one node"). Everything it starts is stopped at exit.
#
# Usage: scripts/cluster-bench.sh [--rounds N] [--receivers N] [--senders N]
#                                [--messages N] [--rate R] [--out DIR]
# Environment: NATTERD, NATTER_BENCH (binaries; default target/release, built
# if missing), NATS_SERVER (default: nats-server on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=3 receivers=50 senders=5 messages=20000 rate=2000 out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --receivers) receivers="$2"; shift 2 ;;
    --senders) senders="$2"; shift 2 ;;
    --messages) messages="$2"; shift 2 ;;
    --rate) rate="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "cluster-bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

natterd="${NATTERD:-target/release/natterd}"
bench="${NATTER_BENCH:-target/release/natter-bench}"
nats="${NATS_SERVER:-nats-server}"
command -v "$nats" >/dev/null || { echo "cluster-bench.sh: $nats not found (apt-get install nats-server)" >&2; exit 1; }
if [ ! -x "$natterd" ] || [ ! -x "$bench" ]; then
  echo "== building natterd and natter-bench (release)"
  cargo build --release -p natterd -p natter-bench
fi

work="$(mktemp -d)"
[ -n "$out" ] || out="$work/results"
mkdir -p "$out"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# free_port, wait_for_port PORT and natterd_bench_config PORT DIR HISTORY.
. scripts/servers.sh

nats_port="$(free_port)"
mkdir -p "$work/nats"
printf 'listen: 127.0.0.1:%s\njetstream { store_dir: "%s" }\n' "$nats_port" "$work/nats" >"$work/nats/nats.conf"
"$nats" -c "$work/nats/nats.conf" >"$work/nats/log" 2>&1 &
pids+=($!)
wait_for_port "$nats_port"

# start_natterd NAME PORT [cluster]: a natterd with the benchmark config.
start_natterd() {
  local name="$1" port="$2" dir="$work/$1"
  mkdir -p "$dir"
  natterd_bench_config "$port" "$dir" true >"$dir/natterd.toml"
  printf '[discovery]\nenabled = false\n' >>"$dir/natterd.toml"
  if [ "${3:-}" = cluster ]; then
    printf '[cluster]\nnats = "nats://127.0.0.1:%s"\nnode = "%s"\n' "$nats_port" "$name" >>"$dir/natterd.toml"
  fi
  "$natterd" --config "$dir/natterd.toml" --log warn >"$dir/log" 2>&1 &
  pids+=($!)
  wait_for_port "$port"
}

single="$(free_port)"; start_natterd single "$single"
node_a="$(free_port)"; start_natterd node-a "$node_a" cluster
node_b="$(free_port)"; start_natterd node-b "$node_b" cluster

shape=(fanout --receivers "$receivers" --senders "$senders")
for round in $(seq "$rounds"); do
  for setup in "one-node" "two-nodes"; do
    case "$setup" in
      one-node) servers=(--server "127.0.0.1:$single") ;;
      two-nodes) servers=(--server "127.0.0.1:$node_a" --server "127.0.0.1:$node_b") ;;
    esac
    echo "== round $round: $setup"
    # A channel of its own per run, so no run inherits another's members.
    "$bench" "${shape[@]}" --channel "#r${round}u$setup" --messages "$messages" \
      "${servers[@]}" --label "$setup" --json "$out/unlimited-$setup-$round.json"
    "$bench" "${shape[@]}" --channel "#r${round}p$setup" --rate "$rate" --duration 5 \
      "${servers[@]}" --label "$setup" --json "$out/paced-$setup-$round.json"
  done
done

echo "== as fast as it goes (medians of $rounds rounds)"
"$bench" table "$out"/unlimited-*.json --baseline one-node
echo "== paced at $rate messages/s (medians of $rounds rounds)"
"$bench" table "$out"/paced-*.json --baseline one-node
