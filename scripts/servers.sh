# Starting and stopping the servers that scripts/compare.sh and
# scripts/crosscheck.sh measure, each with a throwaway config on a loopback
# port, pinned with "${pin_server[@]}". Sourced, not run: the caller sets
# natterd (and old, for the servers old and old-nohist), ngircd and inspircd
# (binaries; see below for finding the last two), calls pin_cpus (or sets
# pin_server itself), and reads $pid after start_server. scripts/cluster-bench.sh
# uses free_port, wait_for_port and natterd_bench_config.
#
# Pin the server and the load generator to their CPUs (SERVER_CPU, default 0;
# BENCH_CPUS, default 1), or run unpinned, and say so, where that cannot be:
#   pin_cpus compare.sh   # sets pin_server and pin_bench
#
# Find ngIRCd and InspIRCd (empty when not installed):
#   ngircd="$(find_ngircd)" inspircd="$(find_inspircd)"

find_ngircd() {
  command -v ngircd || { [ -x /usr/sbin/ngircd ] && echo /usr/sbin/ngircd; } || true
}

find_inspircd() {
  command -v inspircd || { [ -x /usr/sbin/inspircd ] && echo /usr/sbin/inspircd; } || true
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null \
    || echo $(( 20000 + RANDOM % 20000 ))
}

wait_for_port() {
  for _ in $(seq 1 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "the server did not open port $1" >&2
  return 1
}

pin_cpus() {
  pin_server=(taskset -c "${SERVER_CPU:-0}")
  pin_bench=(taskset -c "${BENCH_CPUS:-1}")
  if ! command -v taskset >/dev/null || [ "$(nproc)" -lt 2 ]; then
    echo "$1: fewer than 2 CPUs or no taskset: running unpinned" >&2
    pin_server=() pin_bench=()
  fi
}

# natterd_bench_config PORT DIR HISTORY: the start of a natterd config for
# load tests on 127.0.0.1:PORT, data in DIR/data: thousands of connections
# from one address, flood control off, TLS off, history on or off.
natterd_bench_config() {
  cat <<EOF
[server]
bind = "127.0.0.1:$1"
data_dir = "$2/data"
[limits]
max_clients = 30000
max_clients_per_ip = 30000
max_unregistered = 30000
max_unregistered_per_ip = 30000
sendq_bytes = 268435456
recvq_bytes = 1048576
flood_burst = 1000000000
flood_rate = 1000000000.0
flood_max_queued = 1000000000
[tls]
bind = ""
[history]
enabled = $3
EOF
}

# start_server NAME PORT DIR: writes a config, starts the server pinned, sets $pid.
start_server() {
  local name="$1" port="$2" dir="$3"
  mkdir -p "$dir"
  case "$name" in
    natterd|natterd-nohist|old|old-nohist)
      local history=true binary="$natterd"
      [ "${name%-nohist}" != "$name" ] && history=false
      [ "${name%-nohist}" = old ] && binary="$old"
      natterd_bench_config "$port" "$dir" "$history" >"$dir/natterd.toml"
      # Builds from before LAN discovery reject its table.
      if "$binary" --print-config 2>/dev/null | grep -q '^\[discovery\]'; then
        printf '[discovery]\nenabled = false\n' >>"$dir/natterd.toml"
      fi
      "${pin_server[@]}" "$binary" --config "$dir/natterd.toml" --log warn >"$dir/log" 2>&1 &
      ;;
    ngircd)
      printf 'bench\n' >"$dir/motd"
      cat >"$dir/ngircd.conf" <<EOF
[Global]
Name = bench.ngircd
Info = natter-bench
Listen = 127.0.0.1
Ports = $port
MotdFile = $dir/motd
PidFile = $dir/ngircd.pid
ServerUID = $(id -u)
ServerGID = $(id -g)
[Limits]
MaxConnections = 0
MaxConnectionsIP = 0
MaxJoins = 0
MaxPenaltyTime = 0
PingTimeout = 600
[Options]
DNS = no
Ident = no
PAM = no
EOF
      "${pin_server[@]}" "$ngircd" --nodaemon --config "$dir/ngircd.conf" >"$dir/log" 2>&1 &
      ;;
    inspircd)
      printf 'bench\n' >"$dir/motd"
      cat >"$dir/inspircd.conf" <<EOF
<server name="bench.inspircd" description="natter-bench" network="bench">
<admin name="bench" nick="bench" email="bench@localhost">
<bind address="127.0.0.1" port="$port" type="clients">
<connect name="bench" allow="*" maxchans="100" timeout="60" pingfreq="600"
         hardsendq="268435456" softsendq="268435456" recvq="268435456"
         threshold="1000000000" commandrate="1000000000" fakelag="no"
         localmax="100000" globalmax="100000" maxconnwarn="no" limit="100000"
         resolvehostnames="no" useident="no">
<performance netbuffersize="65534" softlimit="100000" somaxconn="4096" nouserdns="yes">
<pid file="$dir/inspircd.pid">
<files motd="$dir/motd">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="$dir/inspircd.log">
<options maxtargets="20">
<channels users="100" opers="100">
EOF
      "${pin_server[@]}" "$inspircd" --nofork --runasroot --config "$dir/inspircd.conf" >"$dir/log" 2>&1 &
      ;;
  esac
  pid=$!
  if ! wait_for_port "$port"; then
    cat "$dir/log" >&2 || true
    return 1
  fi
}

stop_server() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
}

