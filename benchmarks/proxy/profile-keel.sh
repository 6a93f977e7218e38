#!/usr/bin/env bash
# Where does keel-proxy spend its CPU? Starts the same backends as run-http.sh and keel-proxy,
# warms it up, then records while wrk saturates it:
#   - a JFR recording (settings=profile): Java hot methods (self and inclusive), native-method
#     samples, allocation sites, GC pauses;
#   - with --perf (when `perf` works here): `perf record -e cpu-clock -g` of the JVM process, with a
#     perf map of the JIT-compiled code (jcmd Compiler.perfmap), so kernel, JNI and Java frames
#     show up in one profile.
# Loopback only; everything it starts is stopped on exit. Output in --out DIR (default
# benchmarks/proxy/results/profile-<timestamp>/): keel.jfr, report.txt, perf-report.txt.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/../.." && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"
# shellcheck source=jfr-report.sh
source "$SCRIPT_DIR/jfr-report.sh"

WORKERS=1; DURATION=20; WARMUP=30; CONNS=64; PERF=0; OUT=""; NO_INSTALL=0; PIN=none
KEEL_JAR=$REPO_DIR/proxy-server/target/keel-proxy.jar
KEEL_JVM_OPTS=${KEEL_JVM_OPTS:-$UNIT_JVM_OPTS} # as run-http.sh
JAVA=${JAVA:-java}
usage() {
  cat <<EOF
usage: benchmarks/proxy/profile-keel.sh [--workers N] [--duration S] [--warmup S] [--connections N]
                                        [--perf] [--keel-jar PATH] [--out DIR] [--no-install]
env: KEEL_JVM_OPTS (default "$KEEL_JVM_OPTS"), JAVA
EOF
}
while (($#)); do
  case $1 in
    --workers) WORKERS=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --connections) CONNS=$2; shift ;;
    --perf) PERF=1 ;;
    --keel-jar) KEEL_JAR=$2; shift ;;
    --out) OUT=$2; shift ;;
    --no-install) NO_INSTALL=1 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
  shift
done
[[ $WORKERS =~ ^[0-9]+$ && $WORKERS -ge 1 && $WORKERS -le 64 ]] || die "--workers must be 1..64"
[[ $DURATION =~ ^[0-9]+$ && $DURATION -ge 5 && $DURATION -le 120 ]] || die "--duration must be 5..120"
[[ $WARMUP =~ ^[0-9]+$ && $WARMUP -le 300 ]] || die "--warmup must be 0..300"
[[ $CONNS =~ ^[0-9]+$ && $CONNS -ge 1 && $CONNS -le 10000 ]] || die "--connections must be 1..10000"
[[ -f $KEEL_JAR ]] || die "$KEEL_JAR not found"
ensure_tools nginx:nginx wrk:wrk
command -v jcmd >/dev/null && command -v jfr >/dev/null || die "jcmd and jfr (JDK 17) are needed"
if ((PERF)) && ! command -v perf >/dev/null; then log "perf not found: JFR only"; PERF=0; fi

WORK=$(mktemp -d /tmp/keel-profile.XXXXXX)
mkdir -p "$WORK/tmp" "$WORK/logs"
: "${OUT:=$SCRIPT_DIR/results/profile-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  stop_all
  [[ -n ${PID_keel:-} ]] && rm -f "/tmp/perf-$PID_keel.map"
  cp -r "$WORK/logs/." "$OUT/" 2>/dev/null || true
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

B1=$(free_port); B2=$(free_port); P=$(free_port); A=$(free_port)
cat >"$WORK/backend.conf" <<EOF
worker_processes 1;
pid $WORK/backend.pid;
error_log $WORK/logs/backend-error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path $WORK/tmp/body; proxy_temp_path $WORK/tmp/proxy;
  fastcgi_temp_path $WORK/tmp/fastcgi; uwsgi_temp_path $WORK/tmp/uwsgi; scgi_temp_path $WORK/tmp/scgi;
  keepalive_requests 100000000; keepalive_timeout 300s;
  default_type text/plain;
  server { listen 127.0.0.1:$B1; listen 127.0.0.1:$B2; location / { return 200 "ok"; } }
}
EOF
start_bg backend "$WORK/logs/backend.out" nginx -p "$WORK" -e "$WORK/logs/backend-error.log" -c "$WORK/backend.conf" -g 'daemon off;'
wait_port "$B1" 10 "$PID_backend" || die "backend did not start"
# shellcheck disable=SC2086
private_jar "$KEEL_JAR" "$WORK"
start_bg keel "$WORK/logs/keel.out" "$JAVA" $KEEL_JVM_OPTS -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints \
  -jar "$KEEL_JAR_COPY" --listen "127.0.0.1:$P" --registry "static://127.0.0.1:$B1,127.0.0.1:$B2" \
  --service bench --workers "$WORKERS" --admin "127.0.0.1:$A"
for ((i = 0; i < 300; i++)); do
  [[ $(http_status "$P") == 200 ]] && break
  kill -0 "$PID_keel" 2>/dev/null || die "keel-proxy exited: $(tail -5 "$WORK/logs/keel.out")"
  sleep 0.2
done
[[ $(http_status "$P") == 200 ]] || die "keel-proxy does not answer 200"

url="http://127.0.0.1:$P/"
if ((WARMUP > 0)); then
  log "warm-up: ${WARMUP} s of wrk -c$CONNS"
  run_client "$WORK/logs/wrk-warmup.txt" timeout $((WARMUP + 30)) wrk -t1 -c"$CONNS" -d"${WARMUP}s" "$url" || true
fi

# window_cpu NAME : one wrk window of $DURATION s; sets REQS, RPS, CPU_US (µs of JVM CPU per request)
window() {
  local c0 c1
  c0=$(cpu_ticks "$PID_keel")
  run_client "$WORK/logs/wrk-$1.txt" timeout $((DURATION + 30)) wrk -t1 -c"$CONNS" -d"${DURATION}s" "$url" || die "wrk failed"
  c1=$(cpu_ticks "$PID_keel")
  REQS=$(awk '/ requests in / { print $1 }' "$WORK/logs/wrk-$1.txt")
  RPS=$(awk '/^Requests\/sec:/ { print $2 }' "$WORK/logs/wrk-$1.txt")
  CPU_US=$(awk -v c=$((c1 - c0)) -v hz="$CLK_TCK" -v r="$REQS" 'BEGIN { printf "%.2f", c * 1e6 / hz / r }')
}
PERF_LINE=""
if ((PERF)); then
  # perf first, in a window of its own: starting JFR makes the JIT recompile for a while
  log "perf window: ${DURATION} s under wrk -t1 -c$CONNS"
  perf record -e cpu-clock -F 499 -g -p "$PID_keel" -o "$WORK/perf.data" -- sleep "$DURATION" >"$WORK/logs/perf-record.txt" 2>&1 &
  PERF_PID=$!; STARTED_PIDS+=("$PERF_PID")
  window perf
  jcmd "$PID_keel" Compiler.perfmap >"$WORK/logs/perfmap.txt" 2>&1 || log "Compiler.perfmap failed: JIT frames will show as addresses"
  wait "$PERF_PID" 2>/dev/null || true
  PERF_LINE="perf window: $REQS requests, $RPS req/s, $CPU_US µs JVM CPU/req"
fi
log "JFR window: ${DURATION} s under wrk -t1 -c$CONNS"
jcmd "$PID_keel" JFR.start name=bench settings=profile duration="${DURATION}s" filename="$WORK/keel.jfr" >"$WORK/logs/jfr-start.txt" 2>&1
window jfr
for ((i = 0; i < 100; i++)); do [[ -s $WORK/keel.jfr ]] && break; sleep 0.2; done
sleep 1
cp "$WORK/keel.jfr" "$OUT/keel.jfr" 2>/dev/null || die "no JFR file written: $(cat "$WORK/logs/jfr-start.txt")"

REPORT=$OUT/report.txt
{
  echo "keel-proxy profile, wrk -t1 -c$CONNS -d${DURATION}s per window"
  [[ -n $PERF_LINE ]] && echo "$PERF_LINE"
  echo "JFR window: $REQS requests, $RPS req/s, $CPU_US µs JVM CPU/req (JFR adds overhead)"
  echo "workers $WORKERS, JVM: $KEEL_JVM_OPTS, jar $KEEL_JAR_INFO, load average $(loadavg)"
  echo
  jfr_report "$OUT/keel.jfr" "$REQS"
} >"$REPORT" 2>&1

if ((PERF)) && [[ -s $WORK/perf.data ]]; then
  perf_report "$WORK/perf.data" "$OUT" >>"$REPORT"
fi
cat "$REPORT"
log "report: $REPORT"
