#!/usr/bin/env bash
# The whole live plan as users run it: target/df2redis migrate with migrate.mode: live and the migration
# file's defaults (two read batches of 2 s named in the bench), under a steady SET load through the proxy.
# Prints, per run, the stages, the time to the write flip, each fence attempt's pause and steps, the drain's
# highest backlog and lag, the clients' errors and latency, and acknowledged writes missing from the target.
# Builds the package first. Needs redis-server and redis-cli on PATH.
#
#   bench/run-live-plan-bench.sh [writes-per-second (5000)] [keys (200000)] [runs (3)]
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in redis-server redis-cli; do
  command -v "$tool" >/dev/null || { echo "$tool is not on PATH" >&2; exit 2; }
done
./mvnw -q -B package -DskipTests
./mvnw -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
CP="target/classes:target/test-classes:$(cat target/bench.classpath)"
exec java -cp "$CP" io.df2redis.bench.LivePlanBench "${1:-5000}" "${2:-200000}" "${3:-3}"
