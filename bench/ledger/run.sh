#!/usr/bin/env bash
# Usage ledger at size (docs/performance.md): LEDGER_ROWS raw events (default 100,000,000) in a
# month of daily partitions, their rollups, query latencies and bytes per row. Needs about 150 bytes
# per row of disk under LEDGER_DIR (default /tmp/portcullis-ledger-bench) plus the rollups.
# The benchmark is io.portcullis.bench.LedgerBenchmark in the gateway's test sources.
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
./mvnw -q -pl gateway -am test -Dtest=LedgerBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
    -Dbench.rows="${LEDGER_ROWS:-100000000}" -Dbench.dir="${LEDGER_DIR:-/tmp/portcullis-ledger-bench}"
grep -A8 "LEDGER BENCHMARK" gateway/target/surefire-reports/io.portcullis.bench.LedgerBenchmark-output.txt
