#!/usr/bin/env bash
# The whole snapshot plan as users run it: target/df2redis migrate with migrate.mode: snapshot and the
# migration file's defaults (the scan importer), on the mixed dataset of bench/run-import-bench.sh,
# against the reference measured in the same run (redis-cli --pipe of the prepared RESTOREs, before and
# after each run). Prints the ratio per run, each stage's time, the launcher's peak RSS, and verifies
# every copy. Builds the package first. Needs redis-server and redis-cli on PATH.
#
#   bench/run-plan-bench.sh [N]          N keys (default 1000000); -Dbench.runs=3 in BENCH_OPTS
# shellcheck disable=SC2086
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
for tool in redis-server redis-cli; do
  command -v "$tool" >/dev/null || { echo "$tool is not on PATH" >&2; exit 2; }
done
./mvnw -q -B package -DskipTests
./mvnw -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
CP="target/classes:target/test-classes:$(cat target/bench.classpath)"
exec java ${BENCH_OPTS:-} -cp "$CP" io.df2redis.importer.PlanBench "$N"
