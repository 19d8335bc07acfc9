#!/usr/bin/env bash
# Portcullis start-up benchmark: process start to GET /actuator/health/readiness = 200, with an
# embedded PostgreSQL whose data directory is kept between starts (so every start but the first
# finds a migrated database), and the idle footprint IDLE_SECONDS after readiness. Everything on
# 127.0.0.1; every process it starts is stopped by its PID. Documented in docs/performance.md.
#
#   bench/startup/run.sh                       # 5 starts per mode, ~3 minutes
#   RUNS=9 MODES="jar aot" bench/startup/run.sh
#
# Modes, run in turns (jar, extracted, aot, jar, ...) so that a neighbour's load hits them alike:
#   jar        java -jar gateway/target/gateway.jar               (the fat jar, as in bench/gateway)
#   extracted  java -jar <dir>/gateway.jar after `java -Djarmode=tools -jar gateway.jar extract`
#   aot        the same with -XX:AOTCache=<dir>/gateway.aot, made by gateway/aot-training.sh as the
#              image build does: a full start on a throw-away embedded PostgreSQL, a few requests
#   aot-refresh the same with a cache from the fallback training (AOT_TRAINING=refresh: the
#              context built once with no database), what an image built on arm64 gets
#   baseline   java -jar $BASELINE_JAR: another build's fat jar, for a before/after in the same turns
#
# Besides the wall time it records the gateway JVM's own CPU time up to readiness (user + system,
# not PostgreSQL's), which a busy neighbour inflates much less than the wall time, and how much of
# the machine everything else used meanwhile ("others %": all CPU time less the gateway's, over
# wall time x CPUs; our PostgreSQL counts as others). On a shared machine, WAIT_IDLE=90 holds each
# start until the machine has been at least 90 % idle for 2 s (for up to WAIT_IDLE_MINUTES). Readiness is
# polled every 10 ms from bash itself (/dev/tcp, no curl, no sleep process): on two CPUs a curl
# every 20 ms takes a tenth of the machine from the start it is timing.
#
# Knobs (env): RUNS (5), MODES ("jar extracted aot"), IDLE_SECONDS (5),
# GATEWAY_JAR (gateway/target/gateway.jar), BASELINE_JAR, GATEWAY_JAVA_OPTS (-Xmx768m),
# GATEWAY_ARGS (extra --property=value), GATEWAY_PORT (18090), WAIT_IDLE (0: start at once),
# WAIT_IDLE_MINUTES (15), OUT.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
RUNS=${RUNS:-5}
MODES=${MODES:-jar extracted aot}
IDLE_SECONDS=${IDLE_SECONDS:-5}
WAIT_IDLE=${WAIT_IDLE:-0}
WAIT_IDLE_MINUTES=${WAIT_IDLE_MINUTES:-15}
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS:--Xmx768m}
GATEWAY_PORT=${GATEWAY_PORT:-18090}
OUT=${OUT:-$ROOT/bench/target/startup-bench/$(date -u +%Y%m%dT%H%M%SZ)}
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
JCMD=${JAVA_HOME:+$JAVA_HOME/bin/}jcmd
GATEWAY_JAR=${GATEWAY_JAR:-$ROOT/gateway/target/gateway.jar}
ADMIN_TOKEN=bench-admin-token-0123456789abcdef0123456789

missing=()
command -v curl >/dev/null || missing+=("curl: apt-get install -y curl")
"$JAVA" -version >/dev/null 2>&1 && "$JCMD" -h >/dev/null 2>&1 || missing+=("a Java 25 JDK: set JAVA_HOME")
[[ -f $GATEWAY_JAR ]] || missing+=("the jar: ./mvnw -B -q -pl gateway -am package -DskipTests")
if (( ${#missing[@]} )); then
    printf 'Missing (nothing is installed for you):\n'; printf '  %s\n' "${missing[@]}"; exit 2
fi

WORK=$(mktemp -d /tmp/portcullis-startup.XXXXXX)
mkdir -p "$OUT"
GATEWAY_PID=
stop_pid() { # TERM, then KILL after 20 s
    kill "$1" 2>/dev/null || return 0
    for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
stop_postgres() { # the embedded PostgreSQL, if the gateway could not stop it itself
    local pg; pg=$(head -1 "$WORK/postgres/postmaster.pid" 2>/dev/null || true)
    [[ -n $pg ]] && kill -0 "$pg" 2>/dev/null && stop_pid "$pg"
    return 0
}
cleanup() {
    [[ -n $GATEWAY_PID ]] && stop_pid "$GATEWAY_PID"
    stop_postgres
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 143' TERM INT
log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$OUT/run.log" >&2; }
md() { printf '%s\n' "$*" >> "$OUT/results.md"; }
rss_mib() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
anon_mib() { awk '/RssAnon/ {printf "%.0f", $2/1024}' "/proc/$1/status"; } # RSS less mapped files (jars, the AOT cache)
HZ=$(getconf CLK_TCK)
cpu_ms() { awk -v hz="$HZ" '{printf "%.0f", ($14 + $15) * 1000 / hz}' "/proc/$1/stat"; }
machine_busy_ms() { awk -v hz="$HZ" '$1 == "cpu" {printf "%.0f", ($2 + $3 + $4 + $7 + $8 + $9) * 1000 / hz}' /proc/stat; }
wait_idle() { # until the machine was WAIT_IDLE % idle over 2 s, or WAIT_IDLE_MINUTES have passed
    (( WAIT_IDLE > 0 )) || return 0
    local deadline=$(( $(date +%s) + WAIT_IDLE_MINUTES * 60 )) b0 b1
    while (( $(date +%s) < deadline )); do
        b0=$(machine_busy_ms); sleep 2; b1=$(machine_busy_ms)
        (( (b1 - b0) * 100 <= (100 - WAIT_IDLE) * 2000 * $(nproc) )) && return 0
        sleep 3
    done
    log "the machine did not get ${WAIT_IDLE} % idle in $WAIT_IDLE_MINUTES minutes: starting anyway"
}
heap_mib() {
    curl -fs "http://127.0.0.1:$GATEWAY_PORT/actuator/prometheus" | awk \
        'index($0, "jvm_memory_used_bytes{") == 1 && index($0, "area=\"heap\"") {s += $NF} END {printf "%.0f", s / 1048576}'
}
median() { sort -n | awk '{a[NR] = $1} END {if (NR % 2) print a[(NR + 1) / 2]; else printf "%.0f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

APP=$WORK/app
command_for() { # $1: mode; prints the java command line (after the JVM options)
    case $1 in
        jar) echo "-jar $GATEWAY_JAR" ;;
        extracted) echo "-jar $APP/gateway.jar" ;;
        aot) echo "-XX:AOTCache=$APP/gateway.aot -jar $APP/gateway.jar" ;;
        aot-refresh) echo "-XX:AOTCache=$APP/gateway-refresh.aot -jar $APP/gateway.jar" ;;
        baseline) echo "-jar ${BASELINE_JAR:?BASELINE_JAR: the jar to compare with}" ;;
        *) log "unknown mode $1"; exit 2 ;;
    esac
}
# Polling without forking: a command substitution, curl or sleep would each cost a process.
exec {NAP_FD}<> <(:)   # read -t on a pipe nobody writes to: a sleep without a process
nap() { read -r -t "$1" -u "$NAP_FD" _ || true; }
now_ms() { local t=${EPOCHREALTIME/./}; NOW_MS=$(( t / 1000 )); } # sets NOW_MS
is_ready() { # GET /actuator/health/readiness answered 200
    local fd status
    { exec {fd}<>"/dev/tcp/127.0.0.1/$GATEWAY_PORT"; } 2>/dev/null || return 1
    printf 'GET /actuator/health/readiness HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&"$fd"
    IFS= read -r -t 5 -u "$fd" status || status=
    exec {fd}>&-
    [[ $status == "HTTP/1.1 200"* ]]
}
start_gateway() { # $1: log name, rest: java arguments; sets GATEWAY_PID, READY_MS, CPU_MS and OTHERS_PCT
    local name=$1; shift
    local t0 busy0; busy0=$(machine_busy_ms); now_ms; t0=$NOW_MS
    # shellcheck disable=SC2086,SC2068
    GATEWAY_ADMIN_TOKEN=$ADMIN_TOKEN "$JAVA" $GATEWAY_JAVA_OPTS $@ \
        --server.address=127.0.0.1 --server.port="$GATEWAY_PORT" \
        --gateway.embedded-postgres.data-dir="$WORK/postgres" ${GATEWAY_ARGS:-} > "$OUT/$name.log" 2>&1 &
    GATEWAY_PID=$!
    while now_ms; (( NOW_MS - t0 < 60000 )); do
        if is_ready; then
            now_ms; READY_MS=$(( NOW_MS - t0 ))
            CPU_MS=$(cpu_ms "$GATEWAY_PID")
            OTHERS_PCT=$(( ($(machine_busy_ms) - busy0 - CPU_MS) * 100 / (READY_MS * $(nproc)) ))
            return 0
        fi
        kill -0 "$GATEWAY_PID" 2>/dev/null || { log "gateway died, see $OUT/$name.log"; exit 1; }
        nap 0.01
    done
    log "gateway not ready after 60 s, see $OUT/$name.log"; exit 1
}
stop_gateway() { stop_pid "$GATEWAY_PID"; GATEWAY_PID=; }

md "# Start-up benchmark $(date -u +%Y-%m-%dT%H:%MZ)"
md ""
md "Machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GiB;"
md "$(. /etc/os-release; echo "$PRETTY_NAME"); $("$JAVA" -version 2>&1 | sed -n 2p). Gateway JVM options: \`$GATEWAY_JAVA_OPTS\`."
md "Load average at start: $(cut -d' ' -f1-3 /proc/loadavg)."
md ""

log "first start: initdb and migrations"
start_gateway first $(command_for jar)
md "First start (fat jar, initdb + migrations): ready in ${READY_MS} ms."
stop_gateway

if [[ " $MODES " =~ " "(extracted|aot|aot-refresh)" " ]]; then
    "$JAVA" -Djarmode=tools -jar "$GATEWAY_JAR" extract --destination "$APP" > /dev/null
fi
for training in full refresh; do # the image build's training run, with this benchmark's JVM options
    cache=$APP/gateway.aot mode=aot
    [[ $training == refresh ]] && cache=$APP/gateway-refresh.aot mode=aot-refresh
    [[ " $MODES " == *" $mode "* ]] || continue
    log "AOT cache training run ($training)"
    t0=$(date +%s%N)
    # shellcheck disable=SC2086
    AOT_TRAINING=$training TRAINING_PORT=$GATEWAY_PORT JAVA=$JAVA gateway/aot-training.sh "$APP/gateway.jar" "$cache" \
        $GATEWAY_JAVA_OPTS > "$OUT/training-$training.log" 2>&1 || { log "training failed, see $OUT/training-$training.log"; exit 1; }
    md "AOT cache training ($training): $(( ($(date +%s%N) - t0) / 1000000 )) ms, cache $(( $(stat -c %s "$cache") / 1048576 )) MiB."
done

echo "mode,run,ready_ms,cpu_ms,others_pct,rss_mib,anon_mib,heap_mib,live_heap_mib,load1" > "$OUT/starts.csv"
for run in $(seq 1 "$RUNS"); do
    for mode in $MODES; do
        wait_idle
        load=$(cut -d' ' -f1 /proc/loadavg)
        start_gateway "$mode-$run" $(command_for "$mode")
        sleep "$IDLE_SECONDS"
        rss=$(rss_mib "$GATEWAY_PID"); anon=$(anon_mib "$GATEWAY_PID"); heap=$(heap_mib)
        # what is left of the heap after a full collection: the live set, which timing does not blur
        "$JCMD" "$GATEWAY_PID" GC.run > /dev/null
        echo "$mode,$run,$READY_MS,$CPU_MS,$OTHERS_PCT,$rss,$anon,$heap,$(heap_mib),$load" >> "$OUT/starts.csv"
        log "$mode run $run: ready in $READY_MS ms, $CPU_MS ms of CPU, others used $OTHERS_PCT % of the machine"
        stop_gateway
    done
done

md ""
md "Starts with a migrated database, $RUNS per mode, in turns$( (( WAIT_IDLE > 0 )) && echo ", each once the machine was ${WAIT_IDLE} % idle");"
md "process start to readiness = 200, then idle ${IDLE_SECONDS} s:"
md ""
md "| mode | ready ms, median (min–max) | JVM CPU ms to ready | others % | idle RSS MiB (anonymous) | idle heap used MiB | live heap after GC MiB |"
md "| --- | --- | --- | --- | --- | --- | --- |"
for mode in $MODES; do
    col() { awk -F, -v m="$mode" -v c="$1" '$1 == m {print $c}' "$OUT/starts.csv"; }
    md "| $mode | **$(col 3 | median)** ($(col 3 | sort -n | head -1)–$(col 3 | sort -n | tail -1)) | $(col 4 | median) | $(col 5 | median) | $(col 6 | median) ($(col 7 | median)) | $(col 8 | median) | $(col 9 | median) |"
done
md ""
md "Every column is a median. Others %: the CPU everything but the gateway used during its start, as a share of the machine."
md "Idle figures are taken ${IDLE_SECONDS} s after readiness; anonymous RSS leaves out mapped files (jars, the AOT cache),"
md "which the kernel can share and drop. Load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
md "Every start: starts.csv (load1 is the 1-minute load average as it began)."
log "done: $OUT/results.md"
cat "$OUT/results.md"
