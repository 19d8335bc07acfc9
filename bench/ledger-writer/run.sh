#!/usr/bin/env bash
# Usage ledger writer alone (docs/performance.md): records offered to the production
# BatchingUsageLedger at fixed rates (LEDGER_RATES, default 5000,10000,20000,40000,max; "max" keeps
# the queue half full) for LEDGER_SECONDS each (default 60), into an embedded PostgreSQL on 127.0.0.1
# with fsync and synchronous_commit on, in a temporary directory deleted at the end. Queue depth
# sampled every LEDGER_SAMPLE_MS (default 200); rows and rollups counted after each rate.
# Extra arguments go to the benchmark's JVM, e.g. -Dbench.set.gateway.usage.batch-size=5000 to change a
# gateway setting, or -Dbench.sql="..." for SQL run after the gateway's migrations (a schema experiment).
# LEDGER_PG_STATEMENTS=true loads pg_stat_statements and prints each rate's costliest statements.
# JFR=1 records a flight recording of the whole run into bench/target/ledger-writer/run.jfr.
# The benchmark is the program io.portcullis.bench.ledger.LedgerWriterBenchmark in bench/; its whole
# output goes to bench/target/ledger-writer/output.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export PATH="$JAVA_HOME/bin:$PATH"
CLASSPATH_=$(bench/classpath.sh)
cd bench
mkdir -p target/ledger-writer
args=()
if [[ "${JFR:-0}" == 1 ]]; then
    args+=("-XX:StartFlightRecording=filename=target/ledger-writer/run.jfr,settings=profile")
fi
out=target/ledger-writer/output.txt
java "${args[@]}" -Dbench.rates="${LEDGER_RATES:-5000,10000,20000,40000,max}" -Dbench.seconds="${LEDGER_SECONDS:-60}" \
    -Dbench.sample-ms="${LEDGER_SAMPLE_MS:-200}" -Dbench.pg-stat-statements="${LEDGER_PG_STATEMENTS:-false}" "$@" \
    -cp "$CLASSPATH_" io.portcullis.bench.ledger.LedgerWriterBenchmark > "$out" 2>&1 \
    || { tail -n 40 "$out"; echo "failed: bench/$out"; exit 1; }
grep -E "^  STATEMENT" "$out" || true
grep "^bench.sql: " "$out" || true
sed -n '/^LEDGER WRITER BENCHMARK/,$p' "$out"
echo "samples: bench/target/ledger-writer/<rate>.csv and <rate>-seconds.csv"
