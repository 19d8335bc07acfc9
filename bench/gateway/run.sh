#!/usr/bin/env bash
# Portcullis gateway benchmark: overhead against an nginx proxy hop, fixed-rate added latency,
# concurrent streams, ledger completeness, start-up time. Everything on 127.0.0.1; every process
# it starts is stopped by its PID on exit. Documented in docs/performance.md.
#
#   bench/gateway/run.sh                 # everything, ~12 minutes
#   PHASES="wrk openloop" bench/gateway/run.sh
#   MAIN_GATEWAY_ARGS=--gateway.data-plane.enabled=false \
#   TARGETS="direct nginx gateway gateway-netty portkey" PHASES=wrk bench/gateway/run.sh   # the comparison
#   (MAIN_GATEWAY_ARGS: arguments for the main gateway only; the data plane is on by default, so
#   this makes "gateway" the servlet path and "gateway-netty" the data plane, in one run)
#
# Knobs (env): PHASES (wrk streams openloop overload, in that order; the default leaves overload out;
# hold keeps it all up for profiling), ROUNDS (3), RUN_SECONDS (10), CONNECTIONS
# ("16 64"), RATES ("250 500 1000 2000 3000"), OPENLOOP_SECONDS (10), STREAMS (10000), STREAM_CHUNKS
# (60), STREAM_RAMP_SECONDS (30), STREAM_PROTOCOL (h2c: the gateway reaches the streaming backend over
# HTTP/2 streams, gateway.upstream.http2-hosts; http1: a connection per stream), CHAT_PROTOCOL (http1: the
# gateway reaches the nginx fake over HTTP/1.1 as the hop does; h2c: over HTTP/2 on BACKEND_H2C_PORT, 18086), GATEWAY_JAVA_OPTS (-Xmx768m), GATEWAY_ARGS (extra
# --property=value arguments), JFR (1: record a flight recording of
# the gateway), OUT (results directory), WARMUP_SECONDS (60, per gateway-like target before wrk, and
# before the open loop when no wrk phase ran first: C2 still compiles for about a minute on 2 CPUs).
# TARGETS ("direct nginx gateway"): what the wrk phase measures, in turn, each round:
#   direct                 the nginx fake itself
#   nginx (alias hop)      the nginx reverse-proxy hop in front of it
#   gateway (portcullis)   Portcullis as configured (GATEWAY_JAR, GATEWAY_ARGS)
#   gateway-netty          the same jar (or NETTY_JAR: another build, for an A/B of two builds in
#                          alternating rounds, the steadiest comparison on a shared VM), a second
#                          instance with --gateway.data-plane.enabled=true and
#     (portcullis-netty)   its own database; skipped, with the reason, when the jar has no data plane
#   portkey                the Portkey gateway (npm @portkey-ai/gateway@PORTKEY_VERSION), installed with
#                          npm into bench/target/portkey on first use; Node, one process; needs node, npm
# Overload phase (PHASES=overload, ~5 minutes): 0.5x, 1x, 2x, 3x the gateway's capacity, open loop, with
# gateway.shedding off and on. The gateway runs on one CPU (taskset -c OVERLOAD_GATEWAY_CPUS (0),
# -XX:ActiveProcessorCount=1), nginx, wrk and OpenLoop on the other (OVERLOAD_LOAD_CPUS (1)), and the
# request is a longer conversation (OVERLOAD_PROMPT_KB (4)) sent with a key whose policy has
# OVERLOAD_DENY_PATTERNS (40) deny patterns that never match (each reads the whole prompt), so
# that 3x capacity is within what the generator can offer on its one CPU. Capacity: wrk -t1 -cOVERLOAD_CONNECTIONS (32) for RUN_SECONDS against the
# shedding-off gateway, or OVERLOAD_CAPACITY (req/s) to skip that. OVERLOAD_MULTIPLES ("0.5 1 2 3": 1 is the closed loop's
# saturation, where an open loop already queues),
# OVERLOAD_SHEDDING ("off on"), OVERLOAD_MAX_IN_FLIGHT (2000: OpenLoop counts a request due beyond it
# as failed instead of queueing it). Last, the top rate through the nginx hop alone: the
# generator's own floor on its CPU. Results: overload.csv and the "Overload" table.
#   PHASES=overload bench/gateway/run.sh
# Ports (env): BACKEND_PORT, HOP_PORT, STREAM_PORT, GATEWAY_PORT, PORTKEY_PORT (18084), NETTY_PORT (18085), BACKEND_H2C_PORT (18086).
# Streams and the open loop always measure the nginx hop and the gateway.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
PHASES=${PHASES:-wrk streams openloop}
ROUNDS=${ROUNDS:-3}
RUN_SECONDS=${RUN_SECONDS:-10}
CONNECTIONS=${CONNECTIONS:-16 64}
RATES=${RATES:-250 500 1000 2000 3000}
OPENLOOP_SECONDS=${OPENLOOP_SECONDS:-10}
STREAMS=${STREAMS:-10000}
STREAM_CHUNKS=${STREAM_CHUNKS:-60}
CHAT_PROTOCOL=${CHAT_PROTOCOL:-http1}   # how the gateway reaches the nginx fake: http1, or h2c (its own port)
[[ $CHAT_PROTOCOL == h2c || $CHAT_PROTOCOL == http1 ]] || { echo "CHAT_PROTOCOL is h2c or http1" >&2; exit 2; }
BACKEND_H2C_PORT=${BACKEND_H2C_PORT:-18086}
STREAM_PROTOCOL=${STREAM_PROTOCOL:-h2c}   # how the gateway reaches StreamingBackend: h2c (HTTP/2 streams) or http1
[[ $STREAM_PROTOCOL == h2c || $STREAM_PROTOCOL == http1 ]] || { echo "STREAM_PROTOCOL is h2c or http1" >&2; exit 2; }
STREAM_RAMP_SECONDS=${STREAM_RAMP_SECONDS:-30}
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS:--Xmx768m}
OUT=${OUT:-$ROOT/bench/target/gateway-bench/$(date -u +%Y%m%dT%H%M%SZ)}
BACKEND_PORT=${BACKEND_PORT:-18081}   # nginx: the fake backend
HOP_PORT=${HOP_PORT:-18082}           # nginx: reverse proxy in front of it (the baseline hop)
STREAM_PORT=${STREAM_PORT:-18083}     # StreamingBackend
GATEWAY_PORT=${GATEWAY_PORT:-18080}
PORTKEY_PORT=${PORTKEY_PORT:-18084}
NETTY_PORT=${NETTY_PORT:-18085}       # the second Portcullis, data plane on
PORTKEY_VERSION=${PORTKEY_VERSION:-1.15.2}
PORTKEY_DIR=$ROOT/bench/target/portkey
WARMUP_SECONDS=${WARMUP_SECONDS:-60}
TARGETS=${TARGETS:-direct nginx gateway}
targets=()
for t in $TARGETS; do
    case $t in
        hop) t=nginx ;; portcullis) t=gateway ;; portcullis-netty) t=gateway-netty ;;
        direct|nginx|gateway|gateway-netty|portkey) ;;
        *) echo "unknown target '$t' in TARGETS (direct nginx gateway gateway-netty portkey)" >&2; exit 2 ;;
    esac
    targets+=("$t")
done
has_target() { [[ " ${targets[*]} " == *" $1 "* ]]; }
drop_target() { local kept=(); for t in "${targets[@]}"; do [[ $t == "$1" ]] || kept+=("$t"); done; targets=("${kept[@]}"); }
JAVA=${JAVA_HOME:+$JAVA_HOME/bin/}java
GATEWAY_JAR=${GATEWAY_JAR:-$ROOT/gateway/target/gateway.jar}   # another build to compare against
BENCH_JAR=$ROOT/bench/target/benchmarks.jar
# the open-loop generator; native access for Netty's epoll transport (without it, a warning, and later NIO)
OPENLOOP=("$JAVA" -Xmx512m --enable-native-access=ALL-UNNAMED -cp "$BENCH_JAR" io.portcullis.bench.gateway.OpenLoop)
ADMIN_TOKEN=bench-admin-token-0123456789abcdef0123456789
BENCH_BODY=$ROOT/bench/gateway/chat-request.json
export BENCH_BODY

missing=()
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || missing+=("nginx: apt-get install -y nginx-light")
command -v wrk >/dev/null || missing+=("wrk: apt-get install -y wrk")
command -v curl >/dev/null || missing+=("curl: apt-get install -y curl")
command -v python3 >/dev/null || missing+=("python3: apt-get install -y python3")
"$JAVA" -version >/dev/null 2>&1 || missing+=("Java 25: set JAVA_HOME")
if has_target portkey; then
    command -v node >/dev/null || missing+=("node (18 or later) and npm, for the portkey target: apt-get install -y nodejs npm")
    command -v npm >/dev/null || missing+=("npm, for the portkey target: apt-get install -y npm")
fi
[[ -f $GATEWAY_JAR && -f $BENCH_JAR ]] || missing+=("jars: ./mvnw -B -q -pl gateway,bench -am package -DskipTests")
if (( ${#missing[@]} )); then
    printf 'Missing (nothing is installed for you):\n'; printf '  %s\n' "${missing[@]}"; exit 2
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

WORK=$(mktemp -d /tmp/portcullis-bench.XXXXXX)
mkdir -p "$OUT"
PIDS=()
stop_pid() { # TERM, then KILL after 20 s (a JVM out of memory may never act on TERM)
    kill "$1" 2>/dev/null || return 0
    for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}
postgres_pid() { head -1 "$WORK/postgres/postmaster.pid" 2>/dev/null || true; }
cleanup() {
    for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
    # the embedded PostgreSQL the gateway started, if the gateway could not stop it itself
    local pg; pg=$(postgres_pid); [[ -n $pg ]] && stop_pid "$pg"
    pg=$(head -1 "$WORK/postgres-netty/postmaster.pid" 2>/dev/null || true); [[ -n $pg ]] && stop_pid "$pg"
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 143' TERM INT
log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$OUT/run.log" >&2; }
md() { printf '%s\n' "$*" >> "$OUT/results.md"; }

# ---- nginx: the fake backend and the baseline hop, one master process -------------------------
mkdir -p "$WORK/nginx/logs"
cat > "$WORK/nginx/nginx.conf" <<NGINX
worker_processes auto;
$( [[ $(id -u) == 0 ]] && echo "user root;" )
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log warn;
events { worker_connections 20000; }
http {
    access_log off;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    keepalive_requests 1000000;
    upstream fake { server 127.0.0.1:$BACKEND_PORT; keepalive 256; }
    server {
        listen 127.0.0.1:$BACKEND_PORT;
        location / { default_type application/json; return 200 '$(cat "$ROOT/bench/gateway/chat-response.json")'; }
    }
    server {
        listen 127.0.0.1:$BACKEND_H2C_PORT http2;
        location / { default_type application/json; return 200 '$(cat "$ROOT/bench/gateway/chat-response.json")'; }
    }
    server {
        listen 127.0.0.1:$HOP_PORT;
        location / {
            proxy_pass http://fake;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
        }
    }
}
NGINX
"$NGINX" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" -g 'daemon off;' 2>>"$OUT/nginx.log" &
PIDS+=($!)

# ---- the gateway ------------------------------------------------------------------------------
cat > "$WORK/backends.yml" <<YAML
gateway:
  backends:
    - name: nginx-fake
      type: openai
      base-url: http://127.0.0.1:$([[ $CHAT_PROTOCOL == h2c ]] && echo "$BACKEND_H2C_PORT" || echo "$BACKEND_PORT")/v1
      models: [bench-chat]
    - name: stream-fake
      type: openai
      base-url: http://127.0.0.1:$STREAM_PORT/v1
      models: [bench-stream]
YAML
http2_hosts=()
[[ $STREAM_PROTOCOL == h2c ]] && http2_hosts+=("\"127.0.0.1:$STREAM_PORT\"")
[[ $CHAT_PROTOCOL == h2c ]] && http2_hosts+=("\"127.0.0.1:$BACKEND_H2C_PORT\"")
if (( ${#http2_hosts[@]} )); then
    cat >> "$WORK/backends.yml" <<YAML
  upstream:
    http2-hosts: [$(IFS=,; echo "${http2_hosts[*]}")]
YAML
fi
GATEWAY_PID=
start_gateway() { # $1: log name; sets GATEWAY_PID and READY_MS
    # shellcheck disable=SC2086
    launch_gateway "$1" "$GATEWAY_PORT" "$WORK/postgres" ${MAIN_GATEWAY_ARGS:-} || exit 1
    GATEWAY_PID=$LAUNCHED_PID
}
# $1: log name, $2: port, $3: database directory, then extra arguments; sets LAUNCHED_PID and
# READY_MS; returns 1 (the process stopped) if it exits or is not ready within 60 s
launch_gateway() {
    local name=$1 port=$2 data=$3; shift 3
    local jfr=()
    [[ ${JFR:-0} == 1 ]] && jfr=("-XX:StartFlightRecording=filename=$OUT/gateway-$name.jfr,settings=profile")
    local t0; t0=$(date +%s%N)
    # shellcheck disable=SC2086
    GATEWAY_ADMIN_TOKEN=$ADMIN_TOKEN ${GATEWAY_PREFIX:-} "$JAVA" $GATEWAY_JAVA_OPTS "${jfr[@]}" -jar "${LAUNCH_JAR:-$GATEWAY_JAR}" \
        --server.address=127.0.0.1 --server.port="$port" \
        --server.tomcat.max-connections=20000 --server.tomcat.accept-count=1000 \
        --gateway.embedded-postgres.data-dir="$data" ${LIMIT_ARGS:-} \
        --spring.config.additional-location="file:$WORK/backends.yml" ${GATEWAY_ARGS:-} "$@" > "$OUT/gateway-$name.log" 2>&1 &
    LAUNCHED_PID=$!
    PIDS+=("$LAUNCHED_PID")
    for _ in $(seq 1 1200); do
        if curl -fs -o /dev/null "http://127.0.0.1:$port/actuator/health/readiness"; then
            READY_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
            return 0
        fi
        kill -0 "$LAUNCHED_PID" 2>/dev/null || { log "gateway ($name) exited, see $OUT/gateway-$name.log"; forget_pid "$LAUNCHED_PID"; return 1; }
        sleep 0.05
    done
    log "gateway ($name) not ready after 60 s"; stop_gateway "$LAUNCHED_PID"; return 1
}
forget_pid() { local kept=(); for pid in "${PIDS[@]}"; do [[ $pid == "$1" ]] || kept+=("$pid"); done; PIDS=("${kept[@]}"); }
stop_gateway() { # $1: PID (GATEWAY_PID)
    local pid=${1:-$GATEWAY_PID}
    stop_pid "$pid"
    forget_pid "$pid"
}
listening_ports() { # address:port a process listens on: its socket inodes matched in /proc/net/tcp{,6}
    python3 - "$1" <<'PY'
import os, sys
pid = sys.argv[1]
inodes = set()
for fd in os.listdir(f"/proc/{pid}/fd"):
    try:
        link = os.readlink(f"/proc/{pid}/fd/{fd}")
    except OSError:
        continue
    if link.startswith("socket:["):
        inodes.add(link[8:-1])
ports = set()
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    for line in open(table).readlines()[1:]:
        f = line.split()
        if f[3] == "0A" and f[9] in inodes:  # 0A: LISTEN
            addr, port = f[1].split(":")
            # 32-bit words of little-endian hex; the JVM's dual-stack sockets list IPv4 addresses in
            # tcp6 as ::ffff:a.b.c.d; any other IPv6 address is shown as "ipv6", never as loopback
            v4 = addr[-8:] if len(addr) == 8 or addr[:24].upper() == "0000000000000000FFFF0000" else None
            host = ".".join(str(b) for b in reversed(bytes.fromhex(v4))) if v4 else "ipv6"
            ports.add(f"{host}:{int(port, 16)}")
print(" ".join(sorted(ports)))
PY
}
rss_mib() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
open_files() { find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l; }
metric() { # sum of a Prometheus series (name and optional label filter)
    curl -fs "http://127.0.0.1:$GATEWAY_PORT/actuator/prometheus" | awk -v m="$1" -v f="${2:-}" \
        'index($0, m) == 1 && (f == "" || index($0, f)) {s += $NF} END {printf "%.0f", s}'
}

md "# Gateway benchmark $(date -u +%Y-%m-%dT%H:%MZ)"
md ""
md "Machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GiB;"
md "$(. /etc/os-release; echo "$PRETTY_NAME"); $("$JAVA" -version 2>&1 | sed -n 2p); $("$NGINX" -v 2>&1); $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)."
md "Load average at start: $(cut -d' ' -f1-3 /proc/loadavg). Gateway JVM options: \`$GATEWAY_JAVA_OPTS\`."
md ""

log "first start (creates and migrates the database)"
start_gateway first
md "First start (initdb + migrations): ready in ${READY_MS} ms."
stop_gateway
log "second start, database already migrated"
# the streams phase measures memory per open stream, so it lifts the heap-derived concurrency limit
# (gateway.max-concurrent-requests) to hold them all; the gateway restarts without it for the open loop
[[ " $PHASES " == *" streams "* ]] && LIMIT_ARGS="--gateway.max-concurrent-requests=$(( STREAMS + 1000 ))"
start_gateway main
sleep 5
md "Start with a migrated database: **ready in ${READY_MS} ms** (process start to /actuator/health/readiness = 200);"
md "idle after 5 s: RSS $(rss_mib "$GATEWAY_PID") MiB, heap used $(( $(metric jvm_memory_used_bytes 'area="heap"') / 1048576 )) MiB."
md ""

create_key() { # $1: port of a gateway; prints a key whose limits never refuse
    curl -fs -X POST "http://127.0.0.1:$1/admin/api/keys" -H "Authorization: Bearer $ADMIN_TOKEN" \
        -H 'Content-Type: application/json' \
        -d '{"name":"bench","limits":{"requestsPerMinute":1000000000,"tokensPerMinute":1000000000,"tokensPerDay":1000000000,"tokensPerMonth":1000000000,"maxConcurrentRequests":100000}}' \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])'
}
KEY=$(create_key "$GATEWAY_PORT")
export BENCH_KEY=$KEY

# ---- the other targets of the comparison: only the wrk phase measures them --------------------
[[ " $PHASES " == *" wrk "* ]] || targets=(direct nginx gateway)
NETTY_KEY=
if has_target gateway-netty; then
    # A jar without the data plane either refuses the property (start fails) or ignores it and serves
    # server.port from Tomcat alone; with it, Tomcat also listens on an ephemeral port behind Netty.
    log "second gateway, --gateway.data-plane.enabled=true, on :$NETTY_PORT"
    if LAUNCH_JAR=${NETTY_JAR:-$GATEWAY_JAR} launch_gateway netty "$NETTY_PORT" "$WORK/postgres-netty" \
            --gateway.data-plane.enabled=true; then
        NETTY_PID=$LAUNCHED_PID
        ports=$(listening_ports "$NETTY_PID")
        if [[ $(wc -w <<< "$ports") -lt 2 ]]; then
            log "gateway-netty SKIPPED: $GATEWAY_JAR started with --gateway.data-plane.enabled=true but listens on $ports only: it has no data plane (the property is ignored); see $OUT/gateway-netty.log"
            md "gateway-netty skipped: this build ignores \`--gateway.data-plane.enabled=true\` (one listening port, Tomcat's)."
            stop_gateway "$NETTY_PID"; drop_target gateway-netty
        else
            NETTY_KEY=$(create_key "$NETTY_PORT")
            md "gateway-netty: ${NETTY_JAR:-the same jar} with \`--gateway.data-plane.enabled=true\`, its own database; listening on $ports."
        fi
    else
        log "gateway-netty SKIPPED: $GATEWAY_JAR does not start with --gateway.data-plane.enabled=true: $(grep -m1 -iE 'data-plane|APPLICATION FAILED|Exception' "$OUT/gateway-netty.log" || echo 'see the log')"
        md "gateway-netty skipped: this build refuses \`--gateway.data-plane.enabled=true\` (see gateway-netty.log)."
        drop_target gateway-netty
    fi
fi
if has_target portkey; then
    pk_main=$PORTKEY_DIR/node_modules/@portkey-ai/gateway/build/start-server.js
    installed=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["version"])' \
        "$PORTKEY_DIR/node_modules/@portkey-ai/gateway/package.json" 2>/dev/null || true)
    if [[ $installed != "$PORTKEY_VERSION" ]]; then
        log "npm: @portkey-ai/gateway@$PORTKEY_VERSION into $PORTKEY_DIR"
        mkdir -p "$PORTKEY_DIR"
        # its own package.json, so npm never walks up into the repository
        echo '{"name":"portcullis-bench-portkey","private":true}' > "$PORTKEY_DIR/package.json"
        # --ignore-scripts: its only install script is patch-package, which has no patches in the package
        npm install --prefix "$PORTKEY_DIR" --no-audit --no-fund --ignore-scripts --save-exact \
            "@portkey-ai/gateway@$PORTKEY_VERSION" >> "$OUT/npm.log" 2>&1 || { log "npm install failed, see $OUT/npm.log"; exit 1; }
    fi
    # --headless: no console UI; NODE_ENV=production: as deployed; the preload binds 127.0.0.1
    NODE_ENV=production node --require "$ROOT/bench/gateway/portkey-loopback.cjs" "$pk_main" \
        --port="$PORTKEY_PORT" --headless > "$OUT/portkey.log" 2>&1 &
    PORTKEY_PID=$!
    PIDS+=("$PORTKEY_PID")
    for _ in $(seq 1 300); do
        curl -fs -o /dev/null "http://127.0.0.1:$PORTKEY_PORT/" && break
        kill -0 "$PORTKEY_PID" 2>/dev/null || { log "Portkey exited, see $OUT/portkey.log"; exit 1; }
        sleep 0.1
    done
    [[ $(listening_ports "$PORTKEY_PID") == "127.0.0.1:$PORTKEY_PORT" ]] \
        || { log "Portkey listens on $(listening_ports "$PORTKEY_PID"), not on 127.0.0.1:$PORTKEY_PORT alone"; exit 1; }
    md "Portkey gateway $PORTKEY_VERSION (npm \`@portkey-ai/gateway\`), Node $(node -v), one process, \`NODE_ENV=production\`."
fi
# Portkey appends /chat/completions to the custom host
export PORTKEY_CUSTOM_HOST=http://127.0.0.1:$BACKEND_PORT/v1
md ""

target_url() {
    case $1 in
        direct) echo "http://127.0.0.1:$BACKEND_PORT/v1/chat/completions" ;;
        nginx) echo "http://127.0.0.1:$HOP_PORT/v1/chat/completions" ;;
        gateway) echo "http://127.0.0.1:$GATEWAY_PORT/v1/chat/completions" ;;
        gateway-netty) echo "http://127.0.0.1:$NETTY_PORT/v1/chat/completions" ;;
        portkey) echo "http://127.0.0.1:$PORTKEY_PORT/v1/chat/completions" ;;
    esac
}
target_script() { if [[ $1 == portkey ]]; then echo bench/gateway/portkey.lua; else echo bench/gateway/chat.lua; fi; }
target_key() { if [[ $1 == gateway-netty ]]; then echo "$NETTY_KEY"; else echo "$KEY"; fi; }
target_wrk() { # $1: target, then wrk's arguments before the URL
    local t=$1; shift
    BENCH_KEY=$(target_key "$t") wrk "$@" -s "$(target_script "$t")" "$(target_url "$t")"
}
# every target must answer the fake's exact body before it is measured (a 200 with another body,
# e.g. an error page or a translated answer, would be measured as a success)
for target in "${targets[@]}"; do
    extra=()
    [[ $target == portkey ]] && extra=(-H 'x-portkey-provider: openai' -H "x-portkey-custom-host: $PORTKEY_CUSTOM_HOST")
    code=$(curl -s -o "$WORK/check.json" -w '%{http_code}' "$(target_url "$target")" -H "Authorization: Bearer $(target_key "$target")" \
        -H 'Content-Type: application/json' "${extra[@]}" --data-binary @"$BENCH_BODY")
    [[ $code == 200 ]] || { log "$target answered $code: $(cat "$WORK/check.json")"; exit 1; }
    # $(cat) on both: nginx returns the file's text without its final newline
    [[ $(cat "$WORK/check.json") == "$(cat "$ROOT/bench/gateway/chat-response.json")" ]] \
        || { log "$target answered 200 but not the fake's body: $(cat "$WORK/check.json")"; exit 1; }
done

ok_requests() { metric portcullis_requests_total 'outcome="success"'; }

# ---- closed loop: wrk, alternating targets, several rounds -------------------------------------
if [[ " $PHASES " == *" wrk "* ]]; then
    for target in "${targets[@]}"; do
        [[ $target == direct || $target == nginx ]] && continue
        log "warm-up: $target, 64 connections, ${WARMUP_SECONDS} s"
        target_wrk "$target" -t2 -c64 -d"${WARMUP_SECONDS}s" >> "$OUT/wrk-warmup.txt"
    done
    echo "target,connections,round,rps,p50_us,p90_us,p99_us,max_us,non2xx,sockerr" > "$OUT/wrk.csv"
    gateway_ok_before=$(ok_requests); gateway_wrk_total=0; peak_queue=0
    for round in $(seq 1 "$ROUNDS"); do
        for c in $CONNECTIONS; do
            for target in "${targets[@]}"; do
                log "round $round: $target, $c connections, ${RUN_SECONDS} s"
                if [[ $target == gateway ]]; then
                    ( for _ in $(seq 1 $((RUN_SECONDS / 2))); do sleep 2; metric portcullis_usage_queue_depth; echo; done ) \
                        > "$WORK/queue.txt" 2>/dev/null &
                    sampler=$!
                fi
                line=$(target_wrk "$target" -t2 -c"$c" -d"${RUN_SECONDS}s" \
                    | tee -a "$OUT/wrk-raw.txt" | grep '^RESULT')
                eval "${line#RESULT }"
                echo "$target,$c,$round,$rps,$p50,$p90,$p99,$max,$non2xx,$sockerr" >> "$OUT/wrk.csv"
                if [[ $target == gateway ]]; then
                    wait "$sampler" || true
                    q=$(sort -n "$WORK/queue.txt" | tail -1); (( ${q:-0} > peak_queue )) && peak_queue=$q
                    gateway_wrk_total=$((gateway_wrk_total + requests - non2xx))
                fi
            done
        done
    done
    sleep 2
    written=$(metric portcullis_usage_records_written_total); dropped=$(metric portcullis_usage_records_dropped_total)
    rows=$(curl -fs "http://127.0.0.1:$GATEWAY_PORT/admin/api/usage/export?format=csv&rows=raw" \
        -H "Authorization: Bearer $ADMIN_TOKEN" | tail -n +2 | wc -l)
    python3 - "$OUT/wrk.csv" >> "$OUT/results.md" <<'PY'
import csv, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
targets = list(dict.fromkeys(r["target"] for r in rows))  # in the order measured
conns = sorted({r["connections"] for r in rows}, key=int)
def med(t, c, f): return statistics.median(float(r[f]) for r in rows if r["target"] == t and r["connections"] == c)
print("## Closed loop (wrk -t2, POST chat completion, median of rounds)\n")
print("| connections | target | req/s | p50 ms | p90 ms | p99 ms | max ms | errors |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for c in conns:
    for t in targets:
        err = sum(int(r["non2xx"]) + int(r["sockerr"]) for r in rows if r["target"] == t and r["connections"] == c)
        print(f"| {c} | {t} | {med(t,c,'rps'):,.0f} | {med(t,c,'p50_us')/1000:.2f} | {med(t,c,'p90_us')/1000:.2f}"
              f" | {med(t,c,'p99_us')/1000:.2f} | {med(t,c,'max_us')/1000:.1f} | {err} |")
if "nginx" in targets and set(targets) - {"direct", "nginx"}:
    print("\n| connections | target ÷ nginx hop: req/s | p50 | p99 |")
    print("| --- | --- | --- | --- |")
    for c in conns:
        for t in (t for t in targets if t not in ("direct", "nginx")):
            print(f"| {c} | {t}: **{med(t,c,'rps')/med('nginx',c,'rps'):.2f}** | {med(t,c,'p50_us')/med('nginx',c,'p50_us'):.2f}"
                  f" | {med(t,c,'p99_us')/med('nginx',c,'p99_us'):.2f} |")
print()
PY
    python3 bench/gateway/chart.py "$OUT/wrk.csv" "$OUT/data-plane-comparison.svg" \
        --connections "$(echo $CONNECTIONS | awk '{print $NF}')" --portkey-version "$PORTKEY_VERSION" \
        --note "$(nproc) CPUs shared by wrk and every target; ${ROUNDS} round(s) of ${RUN_SECONDS} s; $(date -u +%Y-%m-%d)" \
        || log "no chart: chart.py failed (the run goes on)"
    md "Chart: \`data-plane-comparison.svg\` (bench/gateway/chart.py; copy to docs/images/ from a full run only)."
    md ""
    md "Ledger: wrk counted $gateway_wrk_total successful gateway answers in the measured runs; the gateway counted"
    md "$(( $(ok_requests) - gateway_ok_before )) successes over the same time; records written $written, dropped $dropped;"
    md "raw rows exported from PostgreSQL: $rows (all gateway requests of the run, including warm-up and checks); peak queue depth sampled: $peak_queue."
    md ""
fi

# ---- concurrent streams ------------------------------------------------------------------------
if [[ " $PHASES " == *" streams "* ]]; then
    limit=$(ulimit -Hn)
    ulimit -n "$limit"
    # over HTTP/1.1 the gateway holds two sockets per stream (client and backend); over h2c one, and
    # a connection per StreamingBackend.MAX_STREAMS streams
    per_stream=$([[ $STREAM_PROTOCOL == h2c ]] && echo 1 || echo 2)
    if (( STREAMS * per_stream + 500 > limit )); then
        log "open-file limit $limit: running $(( (limit - 500) / per_stream )) streams instead of $STREAMS"
        STREAMS=$(( (limit - 500) / per_stream ))
    fi
    stream_mode=; [[ $STREAM_PROTOCOL == h2c ]] && stream_mode=h2c
    # shellcheck disable=SC2086
    "$JAVA" -Xmx512m -cp "$BENCH_JAR" io.portcullis.bench.gateway.StreamingBackend "$STREAM_PORT" "$STREAM_CHUNKS" $stream_mode \
        > "$OUT/stream-backend.log" 2>&1 &
    PIDS+=($!)
    sleep 1
    log "streams: $STREAMS through the gateway, $STREAM_CHUNKS chunks 1 s apart, ramp ${STREAM_RAMP_SECONDS} s"
    ticks0=$(cpu_ticks "$GATEWAY_PID"); t0=$(date +%s)
    ( while true; do echo "$(( $(date +%s) - t0 )),$(rss_mib "$GATEWAY_PID"),$(( $(metric jvm_memory_used_bytes 'area="heap"') / 1048576 )),$(metric portcullis_streams_active),$(cpu_ticks "$GATEWAY_PID"),$(open_files "$GATEWAY_PID")"; sleep 5; done ) \
        > "$OUT/streams-samples.csv" 2>/dev/null &
    sampler=$!
    PIDS+=("$sampler")
    # what the heap holds per stream, once all are open (after the ramp, mid-way through the chunks)
    ( sleep $(( STREAM_RAMP_SECONDS + STREAM_CHUNKS / 3 )); "${JAVA%java}jcmd" "$GATEWAY_PID" GC.class_histogram \
        > "$OUT/streams-histogram.txt" 2>&1 ) &
    PIDS+=($!)
    "$JAVA" -Xmx1g -cp "$BENCH_JAR" io.portcullis.bench.gateway.StreamingClient "$GATEWAY_PORT" "$KEY" bench-stream \
        "$STREAMS" "$STREAM_CHUNKS" "$STREAM_RAMP_SECONDS" | tee "$OUT/streams-client.txt" >&2
    kill "$sampler"
    elapsed=$(( $(date +%s) - t0 )); ticks=$(( $(cpu_ticks "$GATEWAY_PID") - ticks0 ))
    summary=$(tail -1 "$OUT/streams-client.txt")
    md "## Concurrent streams"
    md ""
    md "$STREAMS streams from one client process, each $STREAM_CHUNKS chunks one second apart (StreamingBackend, reached over $STREAM_PROTOCOL), opened over ${STREAM_RAMP_SECONDS} s."
    md "Client: \`$summary\`."
    md "Gateway: peak RSS **$(cut -d, -f2 "$OUT/streams-samples.csv" | sort -n | tail -1) MiB**, peak heap used $(cut -d, -f3 "$OUT/streams-samples.csv" | sort -n | tail -1) MiB,"
    md "peak active streams (gauge) $(cut -d, -f4 "$OUT/streams-samples.csv" | sort -n | tail -1), peak open files $(cut -d, -f6 "$OUT/streams-samples.csv" | sort -n | tail -1), CPU $(awk -v t="$ticks" -v e="$elapsed" -v hz="$(getconf CLK_TCK)" 'BEGIN{printf "%.2f", t/hz/e}') cores on average over ${elapsed} s."
    md ""
fi

# ---- open loop at fixed rates: added latency vs the nginx hop ----------------------------------
if [[ " $PHASES " == *" openloop "* ]]; then
    cold=
    if [[ -n ${LIMIT_ARGS:-} ]]; then
        log "restarting the gateway with its default concurrency limit for the open loop"
        LIMIT_ARGS=
        stop_gateway
        start_gateway openloop
        cold=1
    fi
    if [[ " $PHASES " != *" wrk "* || -n $cold ]]; then
        # a cold JIT cannot keep a fixed rate: warm up as the closed-loop phase would have
        log "warm-up: wrk -c64 ${WARMUP_SECONDS} s against the gateway"
        wrk -t2 -c64 -d"${WARMUP_SECONDS}s" -s bench/gateway/chat.lua "$(target_url gateway)" > "$OUT/wrk-warmup.txt"
    fi
    echo "target,rate,p50_us,p99_us" > "$OUT/openloop.csv"
    md "## Open loop (fixed rate, OpenLoop + HdrHistogram, ${OPENLOOP_SECONDS} s after 3 s warm-up)"
    md ""
    md "| rate/s | nginx p50 / p90 / p99 / max ms | gateway p50 / p90 / p99 / max ms | **added p50 / p99 ms** | x-portcullis-overhead-us p50 / p90 / p99 / max | failed |"
    md "| --- | --- | --- | --- | --- | --- |"
    for rate in $RATES; do
        for target in nginx gateway; do
            log "open loop: $target at $rate/s"
            # a generator that does not finish in time skips the point, not the run
            line=$(timeout $((OPENLOOP_SECONDS + 60)) "${OPENLOOP[@]}" "$(target_url $target)" \
                "$BENCH_BODY" "$rate" "$OPENLOOP_SECONDS" 3 "$KEY" | tee -a "$OUT/openloop-raw.txt" | grep '^rate=') \
                || { log "OpenLoop did not finish at $rate/s against $target"; continue; }
            declare -A r=(); for kv in $line; do r[${kv%%=*}]=${kv#*=}; done
            echo "$target,$rate,${r[p50]},${r[p99]}" >> "$OUT/openloop.csv"
            if [[ $target == nginx ]]; then n50=${r[p50]}; n90=${r[p90]}; n99=${r[p99]}; nmax=${r[max]}; nfail=${r[failed]}
            else
                md "| $rate | $(awk -v a="$n50" -v b="$n90" -v c="$n99" -v d="$nmax" 'BEGIN{printf "%.2f / %.2f / %.2f / %.1f", a/1000, b/1000, c/1000, d/1000}') |" \
                   "$(awk -v a="${r[p50]}" -v b="${r[p90]}" -v c="${r[p99]}" -v d="${r[max]}" 'BEGIN{printf "%.2f / %.2f / %.2f / %.1f", a/1000, b/1000, c/1000, d/1000}') |" \
                   "$(awk -v a="${r[p50]}" -v b="$n50" -v c="${r[p99]}" -v d="$n99" 'BEGIN{printf "**%.2f / %.2f**", (a-b)/1000, (c-d)/1000}') |" \
                   "${r[overhead_p50]} / ${r[overhead_p90]} / ${r[overhead_p99]} / ${r[overhead_max]} µs | $nfail / ${r[failed]} (+${r[unanswered]} unanswered) |"
            fi
        done
    done
    md ""
    "$JAVA" -Djava.awt.headless=true -cp "$BENCH_JAR" io.portcullis.bench.gateway.LatencyChart "$OUT/openloop.csv" \
        "$OUT/latency-vs-load.png" "POST chat completion, open loop: nginx hop vs gateway ($(nproc) CPUs shared with the load)"
fi

# ---- overload: 1x, 2x, 3x capacity open-loop, shedding off and on ------------------------------
# Two CPUs cannot offer three times what a gateway on two CPUs serves, so the gateway gets one
# (taskset, -XX:ActiveProcessorCount=1, its embedded PostgreSQL with it) and the load the other
# (nginx, wrk, OpenLoop), and the request carries a longer conversation (OVERLOAD_PROMPT_KB) that the
# gateway parses, inspects and relays. Capacity is measured closed-loop (wrk) on the shedding-off
# gateway; every rate is a multiple of it.
if [[ " $PHASES " == *" overload "* ]]; then
    gw_cpus=${OVERLOAD_GATEWAY_CPUS:-0}; load_cpus=${OVERLOAD_LOAD_CPUS:-1}
    overload_body=$WORK/overload-request.json
    python3 - "${OVERLOAD_PROMPT_KB:-4}" > "$overload_body" <<'PY'
import json, sys
words = ("the gateway reads every message of this conversation before it relays it so a longer "
         "prompt costs it parsing and inspection time as it would in production ").split()
budget, messages, i = int(sys.argv[1]) * 1024, [{"role": "system", "content": "You are a helpful assistant."}], 0
while len(json.dumps(messages)) < budget:
    text = " ".join(words[(i + k) % len(words)] for k in range(80))
    messages.append({"role": "user" if i % 2 == 0 else "assistant", "content": f"turn {i}: {text}"})
    i += 1
print(json.dumps({"model": "bench-chat", "messages": messages, "max_tokens": 16}), end="")
PY
    # nginx (master and workers) moves to the load's CPUs; it stays up, its caches warm
    for pid in $(cat "$WORK/nginx/nginx.pid") $(pgrep -P "$(cat "$WORK/nginx/nginx.pid")"); do
        taskset -p -c "$load_cpus" "$pid" > /dev/null
    done
    # the key's policy: deny patterns that never match, so each one reads the whole prompt
    overload_key=$(python3 -c '
import json, sys
n = int(sys.argv[1])
print(json.dumps({"name": "bench-overload", "policy": {"denyPatterns": [f"project (?:alpha|beta) {i} (?:leak|secret)s?" for i in range(n)]},
    "limits": {"requestsPerMinute": 1000000000, "tokensPerMinute": 1000000000, "tokensPerDay": 1000000000,
               "tokensPerMonth": 1000000000, "maxConcurrentRequests": 100000}}))' "${OVERLOAD_DENY_PATTERNS:-40}" \
        | curl -fs -X POST "http://127.0.0.1:$GATEWAY_PORT/admin/api/keys" -H "Authorization: Bearer $ADMIN_TOKEN" \
            -H 'Content-Type: application/json' --data-binary @- \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])')
    stop_gateway
    overload_wrk() { # $1: seconds; prints wrk's RESULT line
        BENCH_BODY=$overload_body BENCH_KEY=$overload_key taskset -c "$load_cpus" wrk -t1 -c"${OVERLOAD_CONNECTIONS:-32}" -d"$1s" \
            -s bench/gateway/chat.lua "$(target_url gateway)" | grep '^RESULT'
    }
    capacity=${OVERLOAD_CAPACITY:-}
    if [[ -z $capacity && ${OVERLOAD_SHEDDING:-off on} != off* ]]; then
        # a closed loop against a shedding gateway measures how fast it refuses, not what it serves
        log "overload: give OVERLOAD_CAPACITY, or start OVERLOAD_SHEDDING with off (capacity is measured with shedding off)"
        exit 2
    fi
    echo "shedding,multiple,offered,ok_per_s,shed_per_s,other_per_s,unsent,p50_us,p99_us,shed_p99_us,peak_connections,gateway_shed" \
        > "$OUT/overload.csv"
    md "## Overload (gateway on CPU $gw_cpus with \`-XX:ActiveProcessorCount=1\`, load on CPU $load_cpus; $(wc -c < "$overload_body") B request, ${OVERLOAD_DENY_PATTERNS:-40} deny patterns)"
    md ""
    for mode in ${OVERLOAD_SHEDDING:-off on}; do
        enabled=false; [[ $mode == on ]] && enabled=true
        log "overload: gateway with shedding $mode on CPU $gw_cpus"
        saved_opts=$GATEWAY_JAVA_OPTS
        GATEWAY_JAVA_OPTS="$GATEWAY_JAVA_OPTS -XX:ActiveProcessorCount=1" GATEWAY_PREFIX="taskset -c $gw_cpus"
        # shellcheck disable=SC2086
        launch_gateway "overload-$mode" "$GATEWAY_PORT" "$WORK/postgres" ${MAIN_GATEWAY_ARGS:-} \
            --gateway.shedding.enabled=$enabled || exit 1
        GATEWAY_PID=$LAUNCHED_PID; GATEWAY_JAVA_OPTS=$saved_opts; GATEWAY_PREFIX=
        code=$(curl -s -o "$WORK/check.json" -w '%{http_code}' "$(target_url gateway)" -H "Authorization: Bearer $overload_key" \
            -H 'Content-Type: application/json' --data-binary @"$overload_body")
        [[ $code == 200 ]] || { log "overload request answered $code: $(cat "$WORK/check.json")"; exit 1; }
        log "overload: warm-up, wrk -c${OVERLOAD_CONNECTIONS:-32} ${WARMUP_SECONDS} s"
        overload_wrk "$WARMUP_SECONDS" > /dev/null
        if [[ -z $capacity ]]; then
            line=$(overload_wrk "$RUN_SECONDS"); eval "${line#RESULT }"
            capacity=$rps
            log "overload: capacity $capacity req/s closed-loop (p50 ${p50} µs, p99 ${p99} µs, errors $((non2xx + sockerr)))"
            md "Capacity (closed loop, wrk -t1 -c${OVERLOAD_CONNECTIONS:-32}, ${RUN_SECONDS} s, shedding $mode): **$capacity req/s**, p50 $(awk -v a="$p50" 'BEGIN{printf "%.2f", a/1000}') ms, p99 $(awk -v a="$p99" 'BEGIN{printf "%.2f", a/1000}') ms, $((non2xx + sockerr)) errors."
        fi
        if [[ -z ${overload_header:-} ]]; then
            overload_header=1
            md ""
            md "Open loop (OpenLoop on CPU $load_cpus, ${OPENLOOP_SECONDS} s after 3 s at the same rate, at most ${OVERLOAD_MAX_IN_FLIGHT:-2000} in flight: one due beyond that is not sent and counted as other);"
            md "latencies from each request's scheduled send; 200 = admitted, 503 = shed, other = any other status, no answer or not sent."
            md ""
            md "| shedding | × capacity | offered/s | 200/s | 503/s | other/s | admitted p50 / p99 ms | 503 p99 ms | peak connections | gateway's shed count |"
            md "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
        fi
        for multiple in ${OVERLOAD_MULTIPLES:-0.5 1 2 3}; do
            rate=$(awk -v c="$capacity" -v m="$multiple" 'BEGIN{printf "%d", c * m}')
            log "overload: shedding $mode, ${multiple}x = $rate/s"
            # the gateway's count from the end of OpenLoop's 3 s warm-up, as OpenLoop's own counts
            ( sleep 3; metric portcullis_shed_requests_total > "$WORK/shed-before.txt" ) &
            shed_sampler=$!
            ( while true; do metric portcullis_dataplane_connections; echo; sleep 1; done ) > "$WORK/connections.txt" 2>/dev/null &
            sampler=$!
            line=$(timeout $((OPENLOOP_SECONDS + 60)) taskset -c "$load_cpus" "${OPENLOOP[@]}" \
                "$(target_url gateway)" "$overload_body" "$rate" "$OPENLOOP_SECONDS" 3 "$overload_key" \
                "${OVERLOAD_MAX_IN_FLIGHT:-2000}" | tee -a "$OUT/overload-raw.txt" | grep '^rate=') \
                || { kill "$sampler"; log "OpenLoop did not finish at $rate/s"; continue; }
            kill "$sampler"; wait "$sampler" 2>/dev/null || true
            wait "$shed_sampler" || true; shed_before=$(cat "$WORK/shed-before.txt")
            peak=$(sort -n "$WORK/connections.txt" | tail -1)
            gateway_shed=$(( $(metric portcullis_shed_requests_total) - shed_before ))
            declare -A r=(); for kv in $line; do r[${kv%%=*}]=${kv#*=}; done
            other=$(( r[other] + r[unsent] + r[unanswered] ))
            echo "$mode,$multiple,$rate,$(( r[ok] / OPENLOOP_SECONDS )),$(( r[shed] / OPENLOOP_SECONDS )),$(( other / OPENLOOP_SECONDS )),${r[unsent]},${r[p50]},${r[p99]},${r[shed_p99]},${peak:-0},$gateway_shed" \
                >> "$OUT/overload.csv"
            md "| $mode | $multiple | $rate | $(( r[ok] / OPENLOOP_SECONDS )) | $(( r[shed] / OPENLOOP_SECONDS )) | $(( other / OPENLOOP_SECONDS )) |" \
               "$(awk -v a="${r[p50]}" -v b="${r[p99]}" 'BEGIN{printf "%.2f / **%.2f**", a/1000, b/1000}') |" \
               "$(awk -v a="${r[shed_p99]}" -v n="${r[shed]}" 'BEGIN{if (n > 0) printf "%.2f", a/1000; else printf "–"}') | ${peak:-?} | $gateway_shed |"
        done
        stop_gateway
    done
    # the generator's own floor: the same load through the nginx hop (no gateway), pinned as above
    top=$(awk -v c="$capacity" -v m="$(echo ${OVERLOAD_MULTIPLES:-0.5 1 2 3} | awk '{print $NF}')" 'BEGIN{printf "%d", c * m}')
    log "overload: the generator alone, $top/s through the nginx hop"
    line=$(timeout $((OPENLOOP_SECONDS + 60)) taskset -c "$load_cpus" "${OPENLOOP[@]}" \
        "$(target_url nginx)" "$overload_body" "$top" "$OPENLOOP_SECONDS" 3 none \
        "${OVERLOAD_MAX_IN_FLIGHT:-2000}" | tee -a "$OUT/overload-raw.txt" | grep '^rate=') || line=
    declare -A r=(); for kv in $line; do r[${kv%%=*}]=${kv#*=}; done
    [[ -n $line ]] && md "| nginx hop (the generator's floor) | – | $top | $(( r[ok] / OPENLOOP_SECONDS )) | $(( r[shed] / OPENLOOP_SECONDS )) | $(( (r[other] + r[unsent] + r[unanswered]) / OPENLOOP_SECONDS )) |" \
        "$(awk -v a="${r[p50]}" -v b="${r[p99]}" 'BEGIN{printf "%.2f / %.2f", a/1000, b/1000}') | – | – | – |"
    md ""
fi

# ---- hold: keep everything up for profiling by hand (jcmd, curl, wrk) -------------------------
if [[ " $PHASES " == *" hold "* ]]; then
    log "holding for ${HOLD_SECONDS:-600} s: gateway pid $GATEWAY_PID on :$GATEWAY_PORT, key $KEY"
    sleep "${HOLD_SECONDS:-600}" & wait $! || true
fi

log "done: $OUT/results.md"
cat "$OUT/results.md"
