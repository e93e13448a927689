#!/usr/bin/env bash
# Client matrix through the df2redis proxy runtime (Camellia 1.1.1 + df2redis plugin).
#
# What it measures: whether real Node Redis clients, each with its default configuration (or the
# one option its row names), work through the proxy: connect (the client's own handshake:
# AUTH/HELLO/CLIENT SETINFO/SETNAME...), single commands (SET/GET/INCR/HSET/HGETALL), a pipeline
# of 20 mixed commands incl. PING, blocking (BLPOP 2 s served by an RPUSH from a second connection
# of the same client ~200 ms later, and a BLPOP 0.3 s that times out with null), pub/sub (a second
# connection of the same client and protocol subscribes to a channel and a pattern, the first
# publishes one message to each: PUBLISH answers 1 each time, both arrive), and whether the written
# values are on BOTH backends (read back with redis-cli directly from source S and target T; the
# blocking and pub/sub stages write nothing checked there: a pop is not mirrored, the service's
# drain brings the list over, and it does not run here). Each operation has a 3 s timeout, so a
# client stuck on an unanswered command reads "hang". Run once on the dual-write route (read S,
# write S+T) and once after POSTing the flipped route (read T, write T+S) to the console.
#
# A control phase runs the same clients directly against S first (no proxy), to show that the
# harness and the clients themselves work; --no-control skips it.
#
# Usage: bench/run-proxy-clients.sh [--auth|--no-auth] [--no-control] [--op-timeout-ms N] [--only id,id,...]
#   --auth (default): requirepass on S and T, the password in the route URLs, auth.password in
#                     the proxy settings; clients send the password. The script also prints
#                     whether the running proxy enforces it.
#   --no-auth:        no Redis password anywhere.
# console.token is always set; console calls send "Authorization: Bearer <token>".
# Needs redis-server, redis-cli, java, node/npm and curl; builds the proxy jar when it is missing
# (./mvnw -f src/proxy/pom.xml package) and runs `npm install` in bench/clients when needed.
# Everything listens on 127.0.0.1; every process it starts is stopped when it exits.
set -euo pipefail

AUTH=1
OP_TIMEOUT_MS=3000
ONLY=""
CONTROL=1
while [ $# -gt 0 ]; do
  case "$1" in
    --auth) AUTH=1 ;;
    --no-auth) AUTH=0 ;;
    --op-timeout-ms) OP_TIMEOUT_MS=$2; shift ;;
    --only) ONLY=$2; shift ;;
    --no-control) CONTROL=0 ;;
    -h|--help) sed -n '2,28p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
source "$(dirname "$0")/lib/proxy-env.sh"
cd "$ROOT_DIR"
[ -d bench/clients/node_modules ] || (cd bench/clients && npm install --no-audit --no-fund --silent)

echo "== df2redis proxy client matrix ($(date -u +%Y-%m-%dT%H:%M:%SZ), $(git log -1 --format='%h %s' 2>/dev/null | cut -c1-70))"
echo "node $(node --version), $(redis-server --version | cut -d' ' -f1-3), op timeout ${OP_TIMEOUT_MS} ms"
# the installed client versions (package.json pins one major per npm alias; ioredis 6.x exists on
# npm since 6.0.0, so the ioredis 6 rows are real)
echo "clients: $(cd bench/clients && for p in ioredis5 ioredis6 redis4 redis5 redis6; do
  printf '%s=%s ' "$p" "$(node -p "require('$p/package.json').version" 2>/dev/null || echo missing)"; done)"

start_redis source; S=$REDIS_PORT
start_redis target; T=$REDIS_PORT
start_proxy proxy "$(dual_write_route "$S" "$T")"
echo "S=127.0.0.1:$S  T=127.0.0.1:$T  proxy=127.0.0.1:$PROXY_PORT  console=127.0.0.1:$CONSOLE_PORT"
probe_auth

mapfile -t CONFIG_LINES < <(cd bench/clients && node run-client.js --list)
if [ -n "$ONLY" ]; then
  filtered=()
  for line in "${CONFIG_LINES[@]}"; do
    case ",$ONLY," in *",${line%%$'\t'*},"*) filtered+=("$line") ;; esac
  done
  CONFIG_LINES=("${filtered[@]}")
fi

# both_sides CHECKS-FILE [SIDES ("S T")] -> "ok" or what differs; retries for 2 s (the second
# write of the multi-write is sent by the proxy after the first one has answered)
both_sides() {
  local file=$1 sides=${2:-S T} deadline=$((SECONDS + 2)) result
  if [ ! -s "$file" ]; then echo "n/a (nothing written)"; return; fi
  while :; do
    result=ok
    local key field want side port got total=0 bad=0 first=""
    while IFS=$'\t' read -r key field want; do
      for side in $sides; do
        port=$S; [ "$side" = T ] && port=$T
        if [ "$field" = - ]; then got=$(rcli "$port" GET "$key" 2>&1); else got=$(rcli "$port" HGET "$key" "$field" 2>&1); fi
        total=$((total + 1))
        if [ "$got" != "$want" ]; then
          bad=$((bad + 1))
          local what=${key#bench:*:*:}; [ "$field" = - ] || what="$what.$field"
          [ -n "$first" ] || first="$side:$what=${got:-nil}"
        fi
      done
    done < "$file"
    [ "$bad" = 0 ] || result="$bad/$total missing: $first"
    if [ "$result" = ok ] || [ $SECONDS -ge $deadline ]; then echo "$result"; return; fi
    sleep 0.2
  done
}

RESULTS=()
# run_matrix PHASE PORT [SIDES]: every client config against PORT (the proxy, or S for the control)
run_matrix() {
  local phase=$1 port=$2 sides=${3:-S T} line id
  for line in "${CONFIG_LINES[@]}"; do
    id=${line%%$'\t'*}
    local checks="$WORK/checks-$phase-$id.tsv" out
    if [ "$port" = "$PROXY_PORT" ] && ! proxy_alive; then
      RESULTS+=("$phase"$'\t'"$id"$'\t'"${line#*$'\t'}"$'\t-\tproxy not running\t-\t-\t-\t-\t-')
      continue
    fi
    out=$(cd bench/clients && PROXY_PORT=$port PASSWORD=$([ "$AUTH" = 1 ] && echo "$PASSWORD") \
          KEY_PREFIX="bench:$phase:$id:" CHECKS_FILE="$checks" OP_TIMEOUT_MS=$OP_TIMEOUT_MS HARD_LIMIT_MS=45000 \
          timeout -k 5 60 node run-client.js "$id" 2>"$WORK/client-$phase-$id.err" | tail -1) || true
    if [ -z "$out" ]; then
      out="$id"$'\t'"${line#*$'\t'}"$'\t?\t'"script failed: $(head -c 60 "$WORK/client-$phase-$id.err" | tr '\n\t' '  ')"$'\t-\t-\t-\t-'
    fi
    RESULTS+=("$phase"$'\t'"$out"$'\t'"$(both_sides "$checks" "$sides")")
    printf '.' >&2
  done
  echo >&2
}

if [ "$CONTROL" = 1 ]; then
  echo "-- control: the same clients directly against S (no proxy; only S is checked)"
  run_matrix direct-S "$S" S
fi
echo "-- phase dual-write (read S, write S+T)"
run_matrix dual-write "$PROXY_PORT"
echo "-- POST /route flipped (read T, write T+S): $(console POST /route "$(flipped_route "$S" "$T")" | cut -c1-60)..."
run_matrix flipped "$PROXY_PORT"

# aligned table from TSV on stdin (first line: header)
table() {
  awk -F'\t' '{ for (i = 1; i <= NF; i++) { cell[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } if (NF > nf) nf = NF }
    END { for (r = 1; r <= NR; r++) { line = ""; for (i = 1; i <= nf; i++) line = line sprintf(i < nf ? "%-" w[i] "s | " : "%s", cell[r, i]); print line
            if (r == 1) { line = ""; for (i = 1; i <= nf; i++) { d = sprintf("%" w[i] "s", ""); gsub(/ /, "-", d); line = line d (i < nf ? "-+-" : "") } print line } } }'
}
echo
echo "== client matrix (auth $([ "$AUTH" = 1 ] && echo on || echo off); proxy enforces client password: $([ "${PROXY_AUTH_ENFORCED:-0}" = 1 ] && echo yes || echo no))"
{
  printf 'phase\tclient / config\tversion\tconnect\tcommands\tpipeline (20 incl. PING)\tblocking (BLPOP)\tpubsub (channel+pattern)\tboth sides (S and T)\n'
  for row in "${RESULTS[@]}"; do
    IFS=$'\t' read -r phase id label ver connect commands pipeline blocking pubsub both <<< "$row"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$phase" "$label" "$ver" "$connect" "$commands" "$pipeline" "$blocking" "$pubsub" "$both"
  done
} | table
declare -A ALL_OK TOTAL
PHASES=()
for row in "${RESULTS[@]}"; do
  IFS=$'\t' read -r phase _ _ _ connect commands pipeline blocking pubsub both <<< "$row"
  [ -n "${TOTAL[$phase]:-}" ] || { PHASES+=("$phase"); TOTAL[$phase]=0; ALL_OK[$phase]=0; }
  TOTAL[$phase]=$((TOTAL[$phase] + 1))
  if [ "$connect/$commands/$pipeline/$blocking/$pubsub/$both" = "ok/ok/ok/ok/ok/ok" ]; then ALL_OK[$phase]=$((ALL_OK[$phase] + 1)); fi
done
summary=""
for phase in "${PHASES[@]}"; do summary+="  $phase ${ALL_OK[$phase]}/${TOTAL[$phase]}"; done
echo "clients with every column ok:$summary"
if grep -qiE 'exception|error' "$PROXY_LOG"; then
  echo "proxy log (errors, first 5):"; grep -iE 'exception|error' "$PROXY_LOG" | head -5 | cut -c1-200
fi
