#!/usr/bin/env bash
# Throughput of the df2redis proxy runtime vs the backend directly, in the same run.
#
# What it measures: `redis-benchmark -t set,get -n N -c 50 -P 1` and `-P 16` against source S
# directly (the reference) and through two proxies started side by side on the same S:
#   dual-write:   the route of ProxyBench (read S, write S+T): what df2redis runs in the cutover;
#   pass-through: a single-backend route (the route file is the plain URL redis://[pw]@host:port),
#                 i.e. what Camellia itself (with the df2redis plugin, which runs on every route)
#                 costs without the multi-write;
#   camellia-only: the same single-backend route on Camellia 1.1.1 as df2redis launches it, without the
#                 df2redis gate and plugin (-Ddf2redis.proxy.camelliaOnly=true): what Camellia alone
#                 costs, the floor for the two rows above. Its clients send no password: Camellia
#                 1.1.1 drops the commands pipelined behind an AUTH (how redis-benchmark connects).
# Prints ops/s, the ratio proxy/direct and the p50/p99 latency (ms) of each, from redis-benchmark's
# --csv output (redis-benchmark 7). Each proxy gets a short unmeasured warm-up run (JIT) first.
#
# Each measurement runs --rounds times (3), direct/dual-write/pass-through/camellia-only interleaved; the table
# shows per cell the run with the median ops/s (all runs are listed above the table).
#
# Usage: bench/run-proxy-throughput.sh [--auth|--no-auth] [-n requests (100000)] [-c clients (50)]
#                                      [--rounds N (3)]
#   --auth (default): requirepass on S/T, auth.password in the proxy settings (console.token is
#                     always set), redis-benchmark -a <pw>. Against a proxy that does not enforce the password
#                     (auth.password not supported yet) the proxy runs go without -a, and the
#                     table says so.
# Needs redis-server, redis-benchmark, redis-cli and java; builds the proxy jar when it is missing.
# Each redis-benchmark run is bounded (timeout 60 s); with -n 100000 a run takes a few seconds.
# Everything listens on 127.0.0.1; every process it starts is stopped when it exits.
set -euo pipefail

AUTH=1
REQUESTS=100000
CLIENTS=50
ROUNDS=3
while [ $# -gt 0 ]; do
  case "$1" in
    --auth) AUTH=1 ;;
    --no-auth) AUTH=0 ;;
    -n) REQUESTS=$2; shift ;;
    -c) CLIENTS=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    -h|--help) sed -n '2,30p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
source "$(dirname "$0")/lib/proxy-env.sh"
cd "$ROOT_DIR"

echo "== df2redis proxy throughput ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(git log -1 --format='%h %s' 2>/dev/null | cut -c1-70))"
echo "$(redis-benchmark --version), $(nproc) cores, -n $REQUESTS -c $CLIENTS, tests set,get"

start_redis source; S=$REDIS_PORT
start_redis target; T=$REDIS_PORT
start_proxy dual "$(dual_write_route "$S" "$T")"
DUAL=$PROXY_PORT
probe_auth
DUAL_AUTH=$PROXY_AUTH_ENFORCED
start_proxy pass "$(redis_url "$S")"
PASS=$PROXY_PORT
probe_auth > /dev/null
PASS_AUTH=$PROXY_AUTH_ENFORCED
start_proxy camellia "$(redis_url "$S")" -Ddf2redis.proxy.camelliaOnly=true
BARE=$PROXY_PORT
BARE_AUTH=0
echo "S=127.0.0.1:$S  T=127.0.0.1:$T  proxy dual-write=127.0.0.1:$DUAL  pass-through=127.0.0.1:$PASS  camellia-only=127.0.0.1:$BARE"

# bench PORT PIPELINE WITH-PASSWORD(1|0) [REQUESTS] -> CSV rows "TEST,rps,p50,p99" on stdout
bench() {
  local port=$1 pipeline=$2 pw=$3 n=${4:-$REQUESTS} out rc=0
  local args=(-h 127.0.0.1 -p "$port" -t set,get -n "$n" -c "$CLIENTS" -P "$pipeline" --csv)
  [ "$pw" = 1 ] && args+=(-a "$PASSWORD")
  out=$(timeout -k 5 60 redis-benchmark "${args[@]}" 2>"$WORK/bench.err") || rc=$?
  [ "$rc" = 124 ] && { echo "TIMEOUT"; return; }
  # "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms"
  local rows
  rows=$(printf '%s\n' "$out" | tr -d '"' | awk -F, '$1 == "SET" || $1 == "GET" { print $1 "," $2 "," $5 "," $7 }')
  if [ -z "$rows" ]; then echo "FAILED rc=$rc: $(tr '\n' ' ' < "$WORK/bench.err" | cut -c1-80)"; else echo "$rows"; fi
}

direct_pw=$AUTH
echo "warm-up (not measured): 20000 requests -P 16 through each proxy"
bench "$DUAL" 16 "$DUAL_AUTH" 20000 > /dev/null
bench "$PASS" 16 "$PASS_AUTH" 20000 > /dev/null
bench "$BARE" 16 "$BARE_AUTH" 20000 > /dev/null

# ROUNDS rounds, each running direct, dual-write and pass-through in turn (so that a slow spell
# of the machine hits all three alike); per cell the run with the median ops/s is reported
declare -A RUNS R
for round in $(seq 1 "$ROUNDS"); do
  for pipeline in 1 16; do
    for target in direct dual pass camellia; do
      case $target in
        direct) port=$S; pw=$direct_pw ;;
        dual) port=$DUAL; pw=$DUAL_AUTH ;;
        pass) port=$PASS; pw=$PASS_AUTH ;;
        camellia) port=$BARE; pw=$BARE_AUTH ;;
      esac
      result=$(bench "$port" "$pipeline" "$pw")
      printf 'round %s -P %-2s %-6s %s\n' "$round" "$pipeline" "$target" "$(echo "$result" | tr '\n' ' ')"
      for t in SET GET; do
        row=$(printf '%s\n' "$result" | grep "^$t," || true)
        RUNS[$pipeline,$target,$t]+="${row:-"$t,${result%%$'\n'*},,"}"$'\n'
      done
    done
  done
done
# median_row ROWS -> the row with the median ops/s; a failed run wins (it is shown, not hidden)
median_row() {
  local failed
  failed=$(printf '%s' "$1" | awk -F, 'NF && $2 !~ /^[0-9.]+$/ { print; exit }')
  if [ -n "$failed" ]; then echo "$failed"; return; fi
  printf '%s' "$1" | awk 'NF' | sort -t, -k2,2g | awk '{ row[NR] = $0 } END { print row[int((NR + 1) / 2)] }'
}
for key in "${!RUNS[@]}"; do R[$key]=$(median_row "${RUNS[$key]}"); done

fmt_ops() { awk -v v="$1" 'BEGIN { if (v ~ /^[0-9.]+$/) printf "%.0f", v; else printf "%s", v }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a ~ /^[0-9.]+$/ && b ~ /^[0-9.]+$/ && b > 0) printf "%.2f", a / b; else printf "-" }'; }

echo
echo "== throughput: redis-benchmark -n $REQUESTS -c $CLIENTS, direct on S vs through the proxy (latency in ms; median of $ROUNDS runs)"
note=""
if [ "$AUTH" = 1 ] && [ "$DUAL_AUTH" != 1 ]; then
  note="the proxy does not enforce auth.password: proxy runs without -a, direct runs with -a"
fi
{
  printf 'test\troute\tdirect ops/s\tproxy ops/s\tratio\tdirect p50\tdirect p99\tproxy p50\tproxy p99\n'
  for pipeline in 1 16; do
    for t in SET GET; do
      IFS=, read -r _ d_rps d_p50 d_p99 <<< "${R[$pipeline,direct,$t]}"
      for target in dual pass camellia; do
        IFS=, read -r _ p_rps p_p50 p_p99 <<< "${R[$pipeline,$target,$t]}"
        case $target in dual) label=dual-write ;; pass) label=pass-through ;; camellia) label=camellia-only ;; esac
        printf '%s -P %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$pipeline" "$label" "$(fmt_ops "$d_rps")" "$(fmt_ops "$p_rps")" \
          "$(ratio "$p_rps" "$d_rps")" "$d_p50" "$d_p99" "$p_p50" "$p_p99"
      done
    done
  done
} | awk -F'\t' '{ for (i = 1; i <= NF; i++) { cell[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } if (NF > nf) nf = NF }
    END { for (r = 1; r <= NR; r++) { line = ""; for (i = 1; i <= nf; i++) line = line sprintf(i <= 2 ? "%-" w[i] "s" : "%" w[i] "s", cell[r, i]) (i < nf ? " | " : ""); print line
            if (r == 1) { line = ""; for (i = 1; i <= nf; i++) { d = sprintf("%" w[i] "s", ""); gsub(/ /, "-", d); line = line d (i < nf ? "-+-" : "") } print line } } }'
[ -n "$note" ] && echo "note: $note"
for name in dual pass camellia; do
  if grep -qiE 'exception|error' "$WORK/$name/proxy.log"; then
    echo "proxy $name log (errors, first 5):"; grep -iE 'exception|error' "$WORK/$name/proxy.log" | head -5 | cut -c1-200
  fi
done
