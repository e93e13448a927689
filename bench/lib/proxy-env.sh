# Shared by bench/run-proxy-clients.sh and bench/run-proxy-throughput.sh (sourced, not run).
# Starts local redis-server processes and the proxy runtime jar on free loopback ports, the way
# src/test/java/io/df2redis/bench/ProxyBench.java#startProxy does, and stops every process it
# started when the calling script exits (trap on EXIT/INT/TERM).
#
# Inputs: AUTH=1|0 (set by the caller); PASSWORD and CONSOLE_TOKEN are set here. console.token is
# written to the proxy settings and sent to the console whatever AUTH says.
# Everything listens on 127.0.0.1 only.

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROOT_DIR="$(cd "$BENCH_DIR/.." && pwd)"
PROXY_JAR="${PROXY_JAR:-$ROOT_DIR/src/proxy/target/runtime/df2redis-proxy.jar}"
PASSWORD=benchpw4711
CONSOLE_TOKEN=bench-console-token-4711
[ -f "$PROXY_JAR" ] || (cd "$ROOT_DIR" && ./mvnw -q -B -f src/proxy/pom.xml package)
WORK="$(mktemp -d -t df2redis-proxy-bench-XXXXXX)"
STARTED_PIDS=()

cleanup() {
  local pid
  for pid in "${STARTED_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${STARTED_PIDS[@]}"; do
    # the proxy stops on SIGTERM within a few seconds; force whatever is left after 10 s
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if [ -n "${KEEP_WORK:-}" ]; then echo "work dir kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'echo "interrupted: stopping what was started" >&2; exit 130' INT
trap 'echo "terminated: stopping what was started" >&2; exit 143' TERM

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# redis-cli against a port, with the password when auth is on (never on the command line's argv
# seen by ps: REDISCLI_AUTH)
rcli() {
  local port=$1; shift
  if [ "$AUTH" = 1 ]; then
    REDISCLI_AUTH="$PASSWORD" redis-cli -h 127.0.0.1 -p "$port" --no-auth-warning "$@"
  else
    redis-cli -h 127.0.0.1 -p "$port" "$@"
  fi
}

# start_redis NAME -> sets REDIS_PORT; the server runs in $WORK/NAME without persistence
start_redis() {
  local name=$1 port dir
  port=$(free_port)
  dir="$WORK/$name"
  mkdir -p "$dir"
  local args=(--port "$port" --bind 127.0.0.1 --dir "$dir" --save "" --appendonly no --daemonize no
              --logfile "$dir/redis.log")
  [ "$AUTH" = 1 ] && args+=(--requirepass "$PASSWORD")
  redis-server "${args[@]}" &
  STARTED_PIDS+=($!)
  for _ in $(seq 1 100); do
    [ "$(rcli "$port" PING 2>/dev/null)" = PONG ] && { REDIS_PORT=$port; return 0; }
    sleep 0.1
  done
  echo "redis-server $name did not start on port $port" >&2
  return 1
}

# Camellia resource URL of a local redis: redis://password@host:port (empty password without auth)
redis_url() {
  if [ "$AUTH" = 1 ]; then echo "redis://$PASSWORD@127.0.0.1:$1"; else echo "redis://@127.0.0.1:$1"; fi
}

# the routes of ProxyBench: dual-write (read S, write S+T) and flipped (read T, write T+S)
dual_write_route() {
  local s t; s=$(redis_url "$1"); t=$(redis_url "$2")
  printf '{"type":"simple","operation":{"type":"rw_separate","read":"%s","write":{"type":"multi","resources":["%s","%s"]}}}' "$s" "$s" "$t"
}
flipped_route() {
  dual_write_route "$2" "$1"
}

# start_proxy NAME ROUTE-CONTENT [JVM-OPTION...] -> sets PROXY_PORT, CONSOLE_PORT; waits for the READY line
start_proxy() {
  local name=$1 route=$2 dir
  shift 2
  dir="$WORK/$name"
  mkdir -p "$dir"
  PROXY_PORT=$(free_port)
  CONSOLE_PORT=$(free_port)
  printf '%s' "$route" > "$dir/route.json"
  {
    echo "listen.port=$PROXY_PORT"
    echo "console.port=$CONSOLE_PORT"
    echo "route.file=$dir/route.json"
    echo "journal.dir=$dir/wal"
    echo "fence.mode=hold"
    echo "fence.maxHoldMillis=2000"
    # the console token is always set (newer proxies require it; older ones ignore it)
    echo "console.token=$CONSOLE_TOKEN"
    if [ "$AUTH" = 1 ]; then echo "auth.password=$PASSWORD"; fi
  } > "$dir/proxy.properties"
  chmod 600 "$dir/proxy.properties" "$dir/route.json"
  java -Xmx256m -XX:+UseSerialGC "$@" -jar "$PROXY_JAR" "$dir/proxy.properties" > "$dir/proxy.log" 2>&1 &
  local pid=$!
  STARTED_PIDS+=($pid)
  PROXY_PID=$pid
  for _ in $(seq 1 300); do
    if grep -q '^DF2REDIS-PROXY READY' "$dir/proxy.log" 2>/dev/null; then
      PROXY_LOG="$dir/proxy.log"
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "proxy $name did not print its READY line; its log:" >&2
  tail -20 "$dir/proxy.log" >&2
  return 1
}

# proxy_alive -> 0 when the last started proxy still runs; else prints why it stopped (once)
proxy_alive() {
  kill -0 "$PROXY_PID" 2>/dev/null && return 0
  if [ -z "${PROXY_DEATH_REPORTED:-}" ]; then
    PROXY_DEATH_REPORTED=1
    local rc=0; wait "$PROXY_PID" 2>/dev/null || rc=$?
    echo "!! the proxy (pid $PROXY_PID) is gone, exit status $rc; last lines of its log:" >&2
    tail -15 "$PROXY_LOG" | cut -c1-240 >&2
  fi
  return 1
}

# console METHOD PATH [BODY] -> prints "HTTP-CODE BODY"; always sends the bearer token
console() {
  local method=$1 path=$2 body=${3:-}
  local args=(-s -m 5 -o "$WORK/console.out" -w '%{http_code}' -X "$method")
  args+=(-H "Authorization: Bearer $CONSOLE_TOKEN")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data-binary "$body")
  local code
  code=$(curl "${args[@]}" "http://127.0.0.1:$CONSOLE_PORT$path" || echo 000)
  echo "$code $(cat "$WORK/console.out" 2>/dev/null)"
}

# Whether the running proxy enforces the client password and the console token (prints lines).
# Sets PROXY_AUTH_ENFORCED=1|0 (the client password).
probe_auth() {
  PROXY_AUTH_ENFORCED=0
  local anon console_anon
  # a forwarded read: some proxies answer PING before AUTH
  anon=$(timeout 5 redis-cli -h 127.0.0.1 -p "$PROXY_PORT" GET df2redis-bench-probe 2>&1 | head -1)
  console_anon=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$CONSOLE_PORT/status" || echo 000)
  if [ "$AUTH" = 1 ]; then
    case "$anon" in
      *NOAUTH*|*"Authentication required"*) PROXY_AUTH_ENFORCED=1 ;;
    esac
    echo "auth: on (requirepass on S/T, route URLs carry the password, auth.password set)"
    if [ "$PROXY_AUTH_ENFORCED" = 1 ]; then
      echo "      proxy GET without AUTH answers: $anon -> client password ENFORCED"
    else
      echo "      proxy GET without AUTH answers: ${anon:-(nil)} -> client password NOT enforced (the proxy ignores auth.password)"
    fi
  else
    echo "auth: off (no requirepass on S/T, no auth.password; proxy GET without AUTH answers: ${anon:-(nil)})"
  fi
  if [ "$console_anon" = 401 ] || [ "$console_anon" = 403 ]; then
    echo "      console without token answers HTTP $console_anon -> console.token ENFORCED"
  else
    echo "      console without token answers HTTP $console_anon -> console.token NOT enforced (the proxy ignores it)"
  fi
}
