#!/usr/bin/env bash
# Soak run (docs/reliability.md): a gateway process under mixed traffic for SOAK_MINUTES (default 20),
# sampling heap after GC, threads, open files and the usage queue every 30 s into bench/target/soak.csv.
# Everything runs on 127.0.0.1 and stops by itself. The load generator is the program
# io.portcullis.bench.soak.SoakRun in bench/; it serves the tests' fake backends and starts the gateway
# as a child process (its log: bench/target/soak.log; the program's own: bench/target/soak-output.txt).
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export PATH="$JAVA_HOME/bin:$PATH"
CLASSPATH_=$(bench/classpath.sh)
cd bench
out=target/soak-output.txt
java -Dsoak.minutes="${SOAK_MINUTES:-20}" -cp "$CLASSPATH_" io.portcullis.bench.soak.SoakRun > "$out" 2>&1 \
    || { tail -n 40 "$out"; echo "failed: bench/$out"; exit 1; }
grep "SOAK" "$out" | tail -n 60
echo "samples: bench/target/soak.csv"
