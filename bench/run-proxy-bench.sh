#!/usr/bin/env bash
# Proxy benchmark: throughput through the proxy vs direct (same run), and the fence pause at a
# steady write rate. Usage: bench/run-proxy-bench.sh [writes-per-second (5000)] [fence cycles (20)]
# Needs redis-server and redis-benchmark on PATH; builds the project first when needed.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f src/proxy/target/runtime/df2redis-proxy.jar ] && [ -d target/test-classes ] || ./mvnw -q -B test-compile
cp=$(./mvnw -q -B dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test)
exec java -cp "target/test-classes:target/classes:$cp" io.df2redis.bench.ProxyBench "${1:-5000}" "${2:-20}"
