#!/usr/bin/env bash
# Soak run (docs/reliability.md): a gateway process under mixed traffic for SOAK_MINUTES (default 20),
# sampling heap after GC, threads, open files and the usage queue every 30 s into gateway/target/soak.csv.
# Everything runs on 127.0.0.1 and stops by itself. The load generator and the gateway are the
# io.portcullis.bench.SoakRun class in the gateway's test sources (it reuses the tests' fake backend).
set -euo pipefail
cd "$(dirname "$0")/../.."
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
export PATH="$JAVA_HOME/bin:$PATH"
./mvnw -q -pl gateway -am test -Dtest=SoakRun -Dsurefire.failIfNoSpecifiedTests=false \
    -Dsoak.minutes="${SOAK_MINUTES:-20}"
grep "SOAK" gateway/target/surefire-reports/io.portcullis.bench.SoakRun-output.txt | tail -n 60
echo "samples: gateway/target/soak.csv"
