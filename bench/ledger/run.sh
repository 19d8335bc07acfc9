#!/usr/bin/env bash
# Usage ledger at size (docs/performance.md): LEDGER_ROWS raw events (default 100,000,000) in a
# month of daily partitions, their rollups, query latencies and bytes per row. Needs about 150 bytes
# per row of disk under LEDGER_DIR (default /tmp/portcullis-ledger-bench) plus the rollups.
# The benchmark is the program io.portcullis.bench.ledger.LedgerBenchmark in bench/; its whole output
# goes to bench/target/ledger-output.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export PATH="$JAVA_HOME/bin:$PATH"
CLASSPATH_=$(bench/classpath.sh)
out=bench/target/ledger-output.txt
java -Dbench.rows="${LEDGER_ROWS:-100000000}" -Dbench.dir="${LEDGER_DIR:-/tmp/portcullis-ledger-bench}" \
    -cp "$CLASSPATH_" io.portcullis.bench.ledger.LedgerBenchmark > "$out" 2>&1 \
    || { tail -n 40 "$out"; echo "failed: $out"; exit 1; }
grep -A8 "LEDGER BENCHMARK" "$out"
