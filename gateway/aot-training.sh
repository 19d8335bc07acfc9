#!/usr/bin/env bash
# Makes the JDK AOT cache (JEP 483/514/515) for an extracted gateway, as the image build does
# (docs/operations.md, "Start-up and the AOT cache"):
#
#   java -Djarmode=tools -jar gateway.jar extract --destination app
#   gateway/aot-training.sh app/gateway.jar app/gateway.aot [java options...]
#   java -XX:AOTCache=app/gateway.aot -jar app/gateway.jar
#
# The training run, on x86-64 Linux: a full start on a throw-away embedded PostgreSQL (its binaries
# are x86-64 only), a few requests, then SIGTERM; the JVM writes the cache as it exits, holding what
# a real start loads, links and runs, up to answering the readiness probe. Elsewhere, or with
# AOT_TRAINING=refresh: the context is built once with no database (profile aot-training) and the
# JVM stops there (-Dspring.context.exit=onRefresh), which makes starts 5-12 % slower than
# the full training. Run it with the JVM, the jars and the options the cache will be used with.
#
# Env: JAVA (java), AOT_TRAINING (full, refresh), TRAINING_PORT (18079; 127.0.0.1 only).
# PostgreSQL refuses to run as root: run this as the user the gateway runs as.
set -euo pipefail

JAR=${1:?usage: aot-training.sh <extracted gateway.jar> <cache to write> [java options...]}
CACHE=${2:?usage: aot-training.sh <extracted gateway.jar> <cache to write> [java options...]}
shift 2
JAVA=${JAVA:-java}
PORT=${TRAINING_PORT:-18079}
MODE=${AOT_TRAINING:-full}
[[ $(uname -s)/$(uname -m) == Linux/x86_64 ]] || MODE=refresh

TMP=$(mktemp -d "${TMPDIR:-/tmp}/aot-training.XXXXXX")
PID=
cleanup() {
    if [[ -n $PID ]]; then kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; fi
    rm -rf "$TMP"
}
trap cleanup EXIT
rm -f "$CACHE"
# Tomcat's and the embedded PostgreSQL's scratch files go to $TMP, not into an image layer.
jvm=("$JAVA" "$@" -XX:-UsePerfData -Djava.io.tmpdir="$TMP" -XX:AOTCacheOutput="$CACHE")

if [[ $MODE == refresh ]]; then
    "${jvm[@]}" -Dspring.context.exit=onRefresh -jar "$JAR" --spring.profiles.active=aot-training
else
    status() { # HTTP status of GET $1 (with bearer $2), asked from bash itself; 000 if nothing answers
        local fd line
        { exec {fd}<>"/dev/tcp/127.0.0.1/$PORT"; } 2>/dev/null || { echo 000; return; }
        printf 'GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\nConnection: close\r\n\r\n' "$1" "${2:-none}" >&"$fd"
        IFS=' ' read -r -t 10 -u "$fd" _ line _ || line=000
        exec {fd}>&-
        echo "${line:-000}"
    }
    token=aot-training-$RANDOM$RANDOM$RANDOM$RANDOM$RANDOM$RANDOM
    GATEWAY_ADMIN_TOKEN=$token "${jvm[@]}" -jar "$JAR" --server.address=127.0.0.1 --server.port="$PORT" \
        --gateway.embedded-postgres.ephemeral=true &
    PID=$!
    for _ in $(seq 1 1800); do
        [[ $(status /actuator/health/readiness) == 200 ]] && break
        kill -0 "$PID" 2>/dev/null || { echo "aot-training: the gateway stopped before it was ready" >&2; exit 1; }
        sleep 0.1
    done
    [[ $(status /actuator/health/readiness) == 200 ]] || { echo "aot-training: not ready after 180 s" >&2; exit 1; }
    # the paths a start and its first callers take: probes, scrape, a refused key, an admin read
    for path in /actuator/health/liveness /actuator/health/readiness /actuator/prometheus /v1/models; do
        status "$path" > /dev/null
    done
    status /admin/api/keys "$token" > /dev/null
    kill -TERM "$PID"
    wait "$PID" || true   # 143 after SIGTERM; the cache is written before the JVM exits
    PID=
fi
[[ -s $CACHE ]] || { echo "aot-training: no cache was written to $CACHE" >&2; exit 1; }
