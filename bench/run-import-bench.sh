#!/usr/bin/env bash
# Benchmark of the scan importer against a reference measured in the same run: the same keys ingested by
# the target as prepared RESTORE commands through redis-cli --pipe. Three imports (-Dbench.runs=N), each
# between two references and its ratio taken against their mean, then min / median / max. Prints each
# process's CPU per half second during each import, and verifies every copy. Needs redis-server and
# redis-cli on PATH.
#
#   bench/run-import-bench.sh [N]          N keys (default 1000000)
#
# Options of the importer run (defaults: those of the migration file, heap 256 MB): -Dbench.runs=3 -Dbench.xmx=256m
# -Dbench.concurrency=4 -Dbench.pipeline=128 -Dbench.scanCount=2048
# -Dbench.bigKeys=false (no big keys) -Dbench.dumpCompression=off (migrate.dumpCompression) (pass them in BENCH_OPTS, e.g. BENCH_OPTS="-Dbench.concurrency=8"
# bench/run-import-bench.sh 200000). The importer's JVM gets the launcher's default options (src/main/bin/df2redis);
# BENCH_JVM_ARGS replaces them, e.g. BENCH_JVM_ARGS="-XX:StartFlightRecording=filename=/tmp/import.jfr".
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
for tool in redis-server redis-cli; do
  command -v "$tool" >/dev/null || { echo "$tool is not on PATH" >&2; exit 2; }
done
./mvnw -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
CP="target/classes:target/test-classes:$(cat target/bench.classpath)"
# shellcheck disable=SC2086
exec java ${BENCH_OPTS:-} -Dbench.jvmArgs="${BENCH_JVM_ARGS:-}" -cp "$CP" io.df2redis.importer.ImportBench "$N"
