#!/usr/bin/env bash
# Benchmark of the consistency core: write-flip pauses (the fence stage's full flip) under a steady
# SET load through the proxy, the journal drain's catch-up rate, and the rate of a full verify pass.
# Usage: bench/run-cutover-bench.sh [writes-per-second (5000)] [flips (20)] [keys (100000)]
# Needs redis-server on PATH; builds the project first when needed.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f target/classes/df2redis/proxy-runtime.zip ] && [ -d target/test-classes ] || ./mvnw -q -B package -DskipTests
cp=$(./mvnw -q -B dependency:build-classpath -Dmdep.outputFile=/dev/stdout -Dmdep.includeScope=test)
exec java -cp "target/test-classes:target/classes:$cp" io.df2redis.bench.CutoverBench "${1:-5000}" "${2:-20}" "${3:-100000}"
