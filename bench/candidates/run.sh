#!/usr/bin/env bash
# Issue 21, step 1: the ceiling of each data-plane candidate. Each candidate is a bare proxy of the
# same chat request (bench/candidates/src), measured against the same nginx fake backend and beside
# the nginx reverse-proxy hop as the baseline. Everything binds 127.0.0.1; every process this script
# starts is stopped by its PID on exit; every load loop is bounded in count and time.
#
#   ./mvnw -B -q -o -pl bench -am package -DskipTests         # bench/target/benchmarks.jar (OpenLoop, streams tools)
#   ./mvnw -B -q -f bench/candidates/pom.xml package          # bench/candidates/target/{candidates.jar,lib/}
#   bench/candidates/run.sh                                   # ~3 min per candidate; results.md in OUT
#   ROUNDS=1 RUN_SECONDS=5 WARMUP_SECONDS=5 OPENLOOP_SECONDS=5 STREAMS=1000 STREAM_CHUNKS=15 bench/candidates/run.sh
#
# Per candidate, one fresh process: idle RSS; STREAMS slow SSE streams held open at once (RSS
# before/after ÷ STREAMS); a wrk warm-up; ROUNDS × RUN_SECONDS of wrk at each of CONNECTIONS; an
# open loop at RATE/s (OpenLoop: latency from the scheduled send time, HdrHistogram).
#
# Knobs (env): CANDIDATES ("nginx reactor-netty netty helidon jetty tomcat"), PHASES ("streams wrk
# openloop"), ROUNDS (2), RUN_SECONDS (12), CONNECTIONS (64), WARMUP_SECONDS (10), RATE (1000),
# OPENLOOP_SECONDS (10), STREAMS (2000), STREAM_CHUNKS (30), STREAM_RAMP_SECONDS (10),
# CANDIDATE_JAVA_OPTS (-Xmx768m, as the gateway benchmark runs the gateway), OUT (results directory),
# BASE_PORT (18180: it uses BASE_PORT..BASE_PORT+4).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
CANDIDATES=${CANDIDATES:-nginx reactor-netty netty helidon jetty tomcat}
PHASES=${PHASES:-streams wrk openloop}
ROUNDS=${ROUNDS:-2}
RUN_SECONDS=${RUN_SECONDS:-12}
CONNECTIONS=${CONNECTIONS:-64}
WARMUP_SECONDS=${WARMUP_SECONDS:-10}
RATE=${RATE:-1000}
OPENLOOP_SECONDS=${OPENLOOP_SECONDS:-10}
STREAMS=${STREAMS:-2000}
STREAM_CHUNKS=${STREAM_CHUNKS:-30}
STREAM_RAMP_SECONDS=${STREAM_RAMP_SECONDS:-10}
CANDIDATE_JAVA_OPTS=${CANDIDATE_JAVA_OPTS:--Xmx768m}
OUT=${OUT:-$ROOT/bench/target/candidates-bench/$(date -u +%Y%m%dT%H%M%SZ)}
BASE_PORT=${BASE_PORT:-18180}
PROXY_PORT=$BASE_PORT                 # the candidate under test
BACKEND_PORT=$((BASE_PORT + 1))       # nginx: the fake chat backend
HOP_PORT=$((BASE_PORT + 2))           # nginx: reverse proxy in front of it (the baseline hop)
STREAM_PORT=$((BASE_PORT + 3))        # StreamingBackend: one SSE chunk a second
STREAM_HOP_PORT=$((BASE_PORT + 4))    # nginx: unbuffered reverse proxy in front of StreamingBackend
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
BENCH_JAR=$ROOT/bench/target/benchmarks.jar
CANDIDATES_CP="$ROOT/bench/candidates/target/candidates.jar:$ROOT/bench/candidates/target/lib/*"
BENCH_BODY=$ROOT/bench/gateway/chat-request.json
export BENCH_BODY

missing=()
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=("nginx: apt-get install -y nginx-light")
command -v wrk >/dev/null || missing+=("wrk: apt-get install -y wrk")
command -v curl >/dev/null || missing+=("curl: apt-get install -y curl")
command -v python3 >/dev/null || missing+=("python3: apt-get install -y python3")
"$JAVA" -version 2>&1 | grep -q 'version "2[5-9]' || missing+=("Java 25: export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64")
[[ -f $BENCH_JAR ]] || missing+=("bench/target/benchmarks.jar: ./mvnw -B -q -o -pl bench -am package -DskipTests")
[[ -f $ROOT/bench/candidates/target/candidates.jar ]] || missing+=("candidates: ./mvnw -B -q -f bench/candidates/pom.xml package")
if (( ${#missing[@]} )); then
    printf 'Missing (nothing is installed for you):\n'; printf '  %s\n' "${missing[@]}"; exit 2
fi
for port in $PROXY_PORT $BACKEND_PORT $HOP_PORT $STREAM_PORT $STREAM_HOP_PORT; do
    if (echo > "/dev/tcp/127.0.0.1/$port") 2>/dev/null; then echo "port $port is taken: set BASE_PORT"; exit 2; fi
done
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

# each candidate holds two sockets per stream (client side and upstream)
ulimit -n "$(ulimit -Hn)"
if (( STREAMS * 2 + 500 > $(ulimit -n) )); then
    STREAMS=$(( ($(ulimit -n) - 500) / 2 )); echo "open-file limit $(ulimit -n): $STREAMS streams" >&2
fi

WORK=$(mktemp -d /tmp/portcullis-candidates.XXXXXX)
mkdir -p "$OUT"
PIDS=()
stop_pid() { # TERM, then KILL after 20 s
    kill "$1" 2>/dev/null || return 0
    for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
cleanup() {
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 143' TERM INT
log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$OUT/run.log" >&2; }
md() { printf '%s\n' "$*" >> "$OUT/results.md"; }
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }
live_heap_kib() { # $1 name, $2 pid: heap in use after a full GC (JVM candidates only)
    [[ $1 == nginx ]] && return 0
    "${JAVA%java}jcmd" "$2" GC.run > /dev/null 2>&1 || true
    "${JAVA%java}jcmd" "$2" GC.heap_info 2>/dev/null | grep -o 'used [0-9]*K' | head -1 | tr -dc '0-9'
}
rss_kib() { # summed over a process and its children (nginx: master + workers)
    local total=0 pid
    for pid in "$1" $(pgrep -P "$1" || true); do
        total=$(( total + $(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0) ))
    done
    echo "$total"
}

# ---- nginx: the fake backend, the baseline hop, the unbuffered hop for streams -----------------
mkdir -p "$WORK/nginx/logs"
cat > "$WORK/nginx/nginx.conf" <<NGINX
worker_processes auto;
$( [[ $(id -u) == 0 ]] && echo "user root;" )
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 20000; }
worker_rlimit_nofile 40000;
http {
    access_log off;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    keepalive_requests 1000000;
    upstream fake { server 127.0.0.1:$BACKEND_PORT; keepalive 256; }
    upstream slow { server 127.0.0.1:$STREAM_PORT; keepalive 256; }
    server {
        listen 127.0.0.1:$BACKEND_PORT;
        location / { default_type application/json; return 200 '$(cat "$ROOT/bench/gateway/chat-response.json")'; }
    }
    server {
        listen 127.0.0.1:$HOP_PORT;
        location / { proxy_pass http://fake; proxy_http_version 1.1; proxy_set_header Connection ""; }
    }
    server {
        listen 127.0.0.1:$STREAM_HOP_PORT;
        location / {
            proxy_pass http://slow; proxy_http_version 1.1; proxy_set_header Connection "";
            proxy_buffering off; proxy_read_timeout 120s;
        }
    }
}
NGINX
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' 2>>"$OUT/nginx.log" &
NGINX_PID=$!
PIDS+=("$NGINX_PID")
"$JAVA" -Xmx512m -cp "$BENCH_JAR" io.portcullis.bench.gateway.StreamingBackend "$STREAM_PORT" "$STREAM_CHUNKS" \
    > "$OUT/stream-backend.log" 2>&1 &
PIDS+=($!)
sleep 1

main_class() {
    case $1 in
        reactor-netty) echo ReactorNettyProxy ;;
        netty) echo NettyProxy ;;
        helidon) echo HelidonProxy ;;
        jetty) echo JettyProxy ;;
        tomcat) echo TomcatProxy ;;
        *) log "unknown candidate $1"; exit 2 ;;
    esac
}
CANDIDATE_PID=
start_candidate() { # $1: name; sets CANDIDATE_PID, the process whose RSS is measured
    if [[ $1 == nginx ]]; then CANDIDATE_PID=$NGINX_PID; return 0; fi
    # shellcheck disable=SC2086
    "$JAVA" $CANDIDATE_JAVA_OPTS -cp "$CANDIDATES_CP" "io.portcullis.bench.candidates.$(main_class "$1")" \
        "$PROXY_PORT" "$BACKEND_PORT" "$STREAM_PORT" > "$OUT/$1.log" 2>&1 &
    CANDIDATE_PID=$!
    PIDS+=("$CANDIDATE_PID")
    for _ in $(seq 1 300); do
        (echo > "/dev/tcp/127.0.0.1/$PROXY_PORT") 2>/dev/null && return 0
        kill -0 "$CANDIDATE_PID" 2>/dev/null || { log "$1 died, see $OUT/$1.log"; exit 1; }
        sleep 0.1
    done
    log "$1 not listening after 30 s"; exit 1
}
stop_candidate() {
    [[ $CANDIDATE_PID == "$NGINX_PID" ]] && return 0
    stop_pid "$CANDIDATE_PID"
    local kept=(); for pid in "${PIDS[@]}"; do [[ $pid == "$CANDIDATE_PID" ]] || kept+=("$pid"); done; PIDS=("${kept[@]}")
}
chat_port() { [[ $1 == nginx ]] && echo "$HOP_PORT" || echo "$PROXY_PORT"; }
stream_port() { [[ $1 == nginx ]] && echo "$STREAM_HOP_PORT" || echo "$PROXY_PORT"; }

# what every candidate must do before it is measured: relay the chat answer whole, refuse an
# oversized body, and relay the first stream event while the backend is still pausing
check() { # $1: name
    local port code ct
    port=$(chat_port "$1")
    read -r code ct < <(curl -s -o "$WORK/check.json" -w '%{http_code} %{content_type}\n' \
        "http://127.0.0.1:$port/v1/chat/completions" -H 'Content-Type: application/json' --data-binary @"$BENCH_BODY")
    [[ $code == 200 && $ct == application/json* && $(cat "$WORK/check.json") == "$(cat bench/gateway/chat-response.json)" ]] \
        || { log "$1: chat answered $code ($ct): $(head -c 300 "$WORK/check.json")"; return 1; }
    if [[ $1 != nginx ]]; then
        head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' 'x' > "$WORK/big.json"
        code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/v1/chat/completions" \
            -H 'Content-Type: application/json' --data-binary @"$WORK/big.json" || true)
        [[ $code == 413 ]] || { log "$1: a 2 MiB body answered $code, not 413"; return 1; }
    fi
    # the backend sends one event, then pauses a second before each next one: a buffering proxy
    # shows nothing within 1.5 s
    curl -sN --max-time 1.5 -o "$WORK/first.txt" "http://127.0.0.1:$(stream_port "$1")/v1/chat/completions" \
        -H 'Content-Type: application/json' -d '{"model":"bench-stream","stream":true,"messages":[]}' || true
    grep -q '^data: ' "$WORK/first.txt" || { log "$1: no stream event within 1.5 s"; return 1; }
}

md "# Data-plane candidates $(date -u +%Y-%m-%dT%H:%MZ)"
md ""
md "Machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GiB;"
md "$(. /etc/os-release; echo "$PRETTY_NAME"); $("$JAVA" -version 2>&1 | sed -n 2p); $("$NGINX" -v 2>&1); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)."
md "Load average at start: $(loadavg). Candidate JVM options: \`$CANDIDATE_JAVA_OPTS\`. Phases: $PHASES;"
md "wrk: $ROUNDS × ${RUN_SECONDS} s at $CONNECTIONS connections after ${WARMUP_SECONDS} s warm-up; open loop: $RATE/s for ${OPENLOOP_SECONDS} s after 3 s;"
md "streams: $STREAMS held open, $STREAM_CHUNKS events one second apart, opened over ${STREAM_RAMP_SECONDS} s."
md ""
echo "candidate,phase,key,value" > "$OUT/results.csv"
put() { echo "$1,$2,$3,$4" >> "$OUT/results.csv"; }

openloop() { # $1: candidate, $2: target name, $3: port; records p50, p99... under "$2"
    local line
    line=$(timeout $((OPENLOOP_SECONDS + 60)) "$JAVA" -Xmx512m --enable-native-access=ALL-UNNAMED -cp "$BENCH_JAR" \
        io.portcullis.bench.gateway.OpenLoop \
        "http://127.0.0.1:$3/v1/chat/completions" "$BENCH_BODY" "$RATE" "$OPENLOOP_SECONDS" 3 \
        | tee -a "$OUT/openloop-raw.txt" | grep '^rate=') || { log "$1: OpenLoop against $2 did not finish"; return 0; }
    for kv in $line; do put "$1" "$2" "${kv%%=*}" "${kv#*=}"; done
}

for name in $CANDIDATES; do
    log "== $name (load average $(loadavg))"
    put "$name" run load_start "$(loadavg | cut -d' ' -f1)"
    start_candidate "$name"
    sleep 2
    check "$name" || { put "$name" run check failed; stop_candidate; continue; }
    put "$name" run check ok
    put "$name" run rss_idle_kib "$(rss_kib "$CANDIDATE_PID")"

    if [[ " $PHASES " == *" streams "* ]]; then
        log "$name: $STREAMS streams, $STREAM_CHUNKS events a second apart, ramp ${STREAM_RAMP_SECONDS} s"
        sleep 1
        before=$(rss_kib "$CANDIDATE_PID")
        # RSS follows the heap the JVM has committed, not what the streams keep alive: the live heap
        # after a full GC, before and once all are open, says which of the two a difference comes from
        live_before=$(live_heap_kib "$name" "$CANDIDATE_PID")
        ( sleep $((STREAM_RAMP_SECONDS + STREAM_CHUNKS / 2)); live_heap_kib "$name" "$CANDIDATE_PID" > "$WORK/live" ) &
        PIDS+=($!)
        ( peak=0; while true; do r=$(rss_kib "$CANDIDATE_PID"); (( r > peak )) && peak=$r; echo "$peak" > "$WORK/peak"; sleep 1; done ) &
        sampler=$!
        PIDS+=("$sampler")
        timeout $((STREAM_RAMP_SECONDS + STREAM_CHUNKS + 180)) "$JAVA" -Xmx1g -cp "$BENCH_JAR" \
            io.portcullis.bench.gateway.StreamingClient "$(stream_port "$name")" none bench-stream \
            "$STREAMS" "$STREAM_CHUNKS" "$STREAM_RAMP_SECONDS" > "$OUT/streams-$name.txt" 2>&1 || true
        kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
        summary=$(grep '^streams=' "$OUT/streams-$name.txt" || echo "streams=$STREAMS ok=0 failed=$STREAMS")
        put "$name" streams rss_before_kib "$before"
        put "$name" streams rss_peak_kib "$(cat "$WORK/peak")"
        [[ -n $live_before ]] && put "$name" streams live_before_kib "$live_before" && put "$name" streams live_open_kib "$(cat "$WORK/live")"
        for kv in $summary; do [[ $kv == *=* && $kv != failures=* ]] && put "$name" streams "${kv%%=*}" "${kv#*=}"; done
        log "$name: $summary; RSS $before -> $(cat "$WORK/peak") KiB"
    fi

    if [[ " $PHASES " == *" wrk "* ]]; then
        url="http://127.0.0.1:$(chat_port "$name")/v1/chat/completions"
        log "$name: warm-up, wrk 64 connections ${WARMUP_SECONDS} s"
        wrk -t2 -c64 -d"${WARMUP_SECONDS}s" -s bench/gateway/chat.lua "$url" > "$OUT/wrk-warmup-$name.txt"
        for round in $(seq 1 "$ROUNDS"); do
            for c in $CONNECTIONS; do
                log "$name: round $round, $c connections, ${RUN_SECONDS} s"
                line=$(wrk -t2 -c"$c" -d"${RUN_SECONDS}s" -s bench/gateway/chat.lua "$url" | tee -a "$OUT/wrk-raw.txt" | grep '^RESULT')
                for kv in ${line#RESULT }; do put "$name" "wrk-$c-$round" "${kv%%=*}" "${kv#*=}"; done
            done
        done
    fi

    if [[ " $PHASES " == *" openloop "* ]]; then
        # the reference is measured right before, so that both see the same neighbours
        log "$name: open loop at $RATE/s, direct to the fake then through $name"
        openloop "$name" openloop-direct "$BACKEND_PORT"
        openloop "$name" openloop "$(chat_port "$name")"
    fi
    put "$name" run load_end "$(loadavg | cut -d' ' -f1)"
    stop_candidate
done

python3 "$ROOT/bench/candidates/table.py" "$OUT/results.csv" "$STREAMS" >> "$OUT/results.md"
log "done: $OUT/results.md"
cat "$OUT/results.md"
