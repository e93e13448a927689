#!/usr/bin/env bash
# A full verify pass against the copy it verifies, in the same run: per run, the scan importer copies the
# import bench's mixed dataset into an empty target, then the verifier compares both sides in full mode.
# Prints keys/s of each and the ratio verify/copy. Needs redis-server on PATH.
#
#   bench/run-verify-bench.sh [N]        N keys (default 1000000); -Dbench.runs=3 in BENCH_OPTS
# shellcheck disable=SC2086
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
command -v redis-server >/dev/null || { echo "redis-server is not on PATH" >&2; exit 2; }
./mvnw -q -B test-compile dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
CP="target/classes:target/test-classes:$(cat target/bench.classpath)"
exec java ${BENCH_OPTS:-} -cp "$CP" io.df2redis.importer.VerifyBench "$N"
