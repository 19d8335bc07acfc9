#!/usr/bin/env bash
# Compiles the bench module and what it runs on (the gateway's classes and its test support, which
# Maven's reactor takes from gateway/target/classes and test-classes: nothing is packaged or installed),
# then prints the class path of the programs that start the gateway themselves, for `java -cp`.
# Used by bench/ledger/run.sh, bench/ledger-writer/run.sh and bench/soak/run.sh. Maven reads
# MAVEN_ARGS itself: MAVEN_ARGS=-o for an offline build.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -q -pl bench -am test-compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt >&2
echo "$PWD/bench/target/classes:$(cat bench/target/classpath.txt)"
