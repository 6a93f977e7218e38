#!/usr/bin/env bash
# Soak (issue #10, load): keel-proxy under wrk at full speed for N minutes, its resident memory,
# file descriptors, threads and heap sampled every few seconds; prints first-minute vs last-minute
# growth. See benchmarks/proxy/README.md. Loopback only; configs and logs live in a temp dir;
# every process it starts is stopped on exit (also on Ctrl-C).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/../.." && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

DEFAULT_KEEL_JVM_OPTS=$UNIT_JVM_OPTS
usage() {
  cat <<EOF
usage: benchmarks/proxy/run-soak.sh [options]
  --minutes N          measured wrk run, minutes (default 10, max 120)
  --connections N      wrk connections (default 64); wrk threads: --wrk-threads (default 2)
  --workers N          keel-proxy event loops (default 1)
  --interval S         sampling period, seconds (default 10)
  --warmup S           wrk at full load before the measured run, not recorded (default 30)
  --keel-jar PATH      default proxy-server/target/keel-proxy.jar (a private copy is run)
  --out DIR            results directory (default benchmarks/proxy/results/soak-<timestamp>)
  --no-install         never apt-get install missing tools
env: KEEL_JVM_OPTS (default "$DEFAULT_KEEL_JVM_OPTS", the systemd unit of docs/operations.md),
     JAVA (default java)
EOF
}

MINUTES=10; CONNS=64; WRK_THREADS=2; WORKERS=1; INTERVAL=10; WARMUP=30
run_defaults "$DEFAULT_KEEL_JVM_OPTS"
ORIG_ARGS="$*"

while (($#)); do
  case $1 in
    --minutes) MINUTES=$2; shift ;;
    --connections) CONNS=$2; shift ;;
    --wrk-threads) WRK_THREADS=$2; shift ;;
    --workers) WORKERS=$2; shift ;;
    --interval) INTERVAL=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    *) common_option "$@"; shift $((OPTION_WORDS - 1)) ;;
  esac
  shift
done

isnum "$MINUTES" 1 120 || die "--minutes must be 1..120"
isnum "$CONNS" 1 10000 || die "--connections must be 1..10000"
isnum "$WRK_THREADS" 1 64 || die "--wrk-threads must be 1..64"
((WRK_THREADS <= CONNS)) || die "--wrk-threads must not exceed --connections"
isnum "$WORKERS" 1 64 || die "--workers must be 1..64"
isnum "$INTERVAL" 1 600 || die "--interval must be 1..600"
isnum "$WARMUP" 0 600 || die "--warmup must be 0..600"
[[ -f $KEEL_JAR ]] || die "$KEEL_JAR not found (build it: mvn -B -o -q -pl proxy-server package -DskipTests)"

# ---------------------------------------------------------------------------------------
ensure_tools nginx:nginx wrk:wrk
JSTAT=""
command -v jstat >/dev/null 2>&1 && JSTAT=jstat
JCMD=""
command -v jcmd >/dev/null 2>&1 && JCMD=jcmd

init_run soak conf

# --- backends: one nginx instance, `return 200 "ok"` on two ports --------------------------
nginx_backend

# --- keel-proxy -------------------------------------------------------------------------------
private_jar "$KEEL_JAR" "$WORK"
start_keel() {
  PORT=$(free_port); ADMIN=$(free_port)
  # shellcheck disable=SC2086
  start_bg keel "$WORK/logs/keel.out" "$JAVA" $KEEL_JVM_OPTS -jar "$KEEL_JAR_COPY" \
    --listen "127.0.0.1:$PORT" --registry "static://127.0.0.1:$B1,127.0.0.1:$B2" \
    --service soak --workers "$WORKERS" --admin "127.0.0.1:$ADMIN"
  local i
  for ((i = 0; i < 600; i++)); do
    kill -0 "$PID_keel" 2>/dev/null || { log "keel-proxy exited: $(tail -3 "$WORK/logs/keel.out" | tr '\n' ' ')"; return 1; }
    [[ $(http_status "$PORT") == 200 ]] && return 0
    sleep 0.1
  done
  log "keel-proxy did not answer 200 within 60 s"; stop_pid "$PID_keel"; return 1
}
retry3 start_keel || die "keel-proxy did not start"
log "keel-proxy (pid $PID_keel) on 127.0.0.1:$PORT, admin 127.0.0.1:$ADMIN; jar $KEEL_JAR_INFO"

# admin_get PATH : body of one GET to the admin listener (Connection: close, no curl needed)
admin_get() {
  timeout 5 bash -c '
    exec 3<>/dev/tcp/127.0.0.1/'"$ADMIN"' || exit 1
    printf "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" "'"$1"'" >&3
    sed "1,/^\r$/d" <&3' 2>/dev/null || true
}
# metric NAME : sum of every sample of NAME (or NAME_total, as counters are exposed) in /metrics;
# empty when absent
metric() {
  admin_get /metrics | awk -v n="$1" '{ k = $1; sub(/\{.*/, "", k) } k == n || k == n "_total" { s += $NF; f = 1 }
    END { if (f) printf "%.0f\n", s }'
}
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status" 2>/dev/null; }
fd_count() { local n; n=$(ls "/proc/$1/fd" 2>/dev/null | wc -l); echo "$n"; }
# heap_kb : "used_kib old_used_kib gc_count" from jstat (hsperfdata; no safepoint, no attach)
heap_kb() {
  [[ -n $JSTAT ]] || { echo ",,"; return 0; }
  "$JSTAT" -gc "$PID_keel" 2>/dev/null | awk 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
    NR == 2 { u = $c["S0U"] + $c["S1U"] + $c["EU"] + $c["OU"]; printf "%.0f,%.0f,%d\n", u, $c["OU"], $c["YGC"] + $c["FGC"] }' \
    || echo ",,"
}
histogram() { # FILE : live-object class histogram (forces a full GC: only outside the measured run)
  [[ -n $JCMD ]] || return 0
  timeout 60 "$JCMD" "$PID_keel" GC.class_histogram >"$1" 2>&1 || log "jcmd GC.class_histogram failed: $(head -2 "$1")"
}

URL="http://127.0.0.1:$PORT/"
if ((WARMUP > 0)); then
  log "warm-up: ${WARMUP} s of wrk -t$WRK_THREADS -c$CONNS (not recorded)"
  run_client "$WORK/logs/wrk-warmup.out" timeout $((WARMUP + 30)) wrk -t"$WRK_THREADS" -c"$CONNS" -d"${WARMUP}s" "$URL" \
    || die "warm-up wrk failed: $(tail -3 "$WORK/logs/wrk-warmup.out")"
fi
sleep 2
PRE_FDS=$(fd_count "$PID_keel"); PRE_RSS=$(status_kb "$PID_keel" VmRSS)
histogram "$OUT/histogram-start.txt"
REQ0=$(metric keel_proxy_requests); UERR0=$(metric keel_proxy_upstream_errors)

CSV=$OUT/samples.csv
echo "t_s,rss_kib,fds,threads,heap_used_kib,old_used_kib,gc_count,client_connections,proxy_requests,loadavg1" >"$CSV"
sample() { # T
  local rss fds thr heap cc req
  rss=$(status_kb "$PID_keel" VmRSS); thr=$(status_kb "$PID_keel" Threads); fds=$(fd_count "$PID_keel")
  heap=$(heap_kb); cc=$(metric keel_proxy_client_connections); req=$(metric keel_proxy_requests)
  echo "$1,$rss,$fds,$thr,$heap,$cc,$req,$(cut -d' ' -f1 /proc/loadavg)" >>"$CSV"
}

DURATION_S=$((MINUTES * 60))
log "measured run: wrk -t$WRK_THREADS -c$CONNS -d${MINUTES}m $URL, sampling every ${INTERVAL} s into $CSV"
wrk -t"$WRK_THREADS" -c"$CONNS" -d"${DURATION_S}s" --latency "$URL" >"$WORK/logs/wrk.out" 2>&1 &
CURRENT_CLIENT=$!
T0=$SECONDS
sample 0
while kill -0 "$CURRENT_CLIENT" 2>/dev/null; do
  next=$(((SECONDS - T0) / INTERVAL * INTERVAL + INTERVAL))
  while ((SECONDS - T0 < next)) && kill -0 "$CURRENT_CLIENT" 2>/dev/null; do sleep 1; done
  kill -0 "$PID_keel" 2>/dev/null || die "keel-proxy died during the run: $(tail -5 "$WORK/logs/keel.out" | tr '\n' ' ')"
  # the last, partial period is sampled too, but only while wrk still runs
  kill -0 "$CURRENT_CLIENT" 2>/dev/null && sample $((SECONDS - T0))
  ((SECONDS - T0 < DURATION_S + 60)) || die "wrk did not end 60 s after its duration"
done
WRK_RC=0; wait "$CURRENT_CLIENT" || WRK_RC=$?
CURRENT_CLIENT=""
((WRK_RC == 0)) || die "wrk failed (status $WRK_RC): $(tail -3 "$WORK/logs/wrk.out")"
REQ1=$(metric keel_proxy_requests); UERR1=$(metric keel_proxy_upstream_errors)
sleep 2
IDLE_FDS=$(fd_count "$PID_keel"); IDLE_CC=$(metric keel_proxy_client_connections); IDLE_RSS=$(status_kb "$PID_keel" VmRSS)
histogram "$OUT/histogram-end.txt"
cp "$WORK/logs/wrk.out" "$OUT/wrk.txt"
LOAD_END=$(loadavg)

# --- summary ------------------------------------------------------------------------------
WRK_LINE=$(awk '
  / requests in / { req = $1 }
  /Socket errors:/ { gsub(/,/, ""); err = $4 + $6 + $8 + $10; detail = $0; sub(/^ +/, "", detail) }
  /Non-2xx or 3xx responses:/ { non2xx = $NF }
  /^Requests\/sec:/ { rps = $2 }
  / 99%/ { p99 = $2 }
  END { printf "requests=%d req_per_s=%.0f socket_errors=%d non2xx=%d p99=%s%s", req, rps, err, non2xx, p99, (detail ? " (" detail ")" : "") }' \
  "$OUT/wrk.txt")

SUMMARY=$OUT/summary.txt
{
  echo "command: benchmarks/proxy/run-soak.sh${ORIG_ARGS:+ $ORIG_ARGS}"
  echo "started $STARTED_AT, $(nproc) CPUs, load average $LOAD_START at start, $LOAD_END at end"
  echo "keel-proxy: $JAVA $KEEL_JVM_OPTS -jar keel-proxy.jar --workers $WORKERS ($KEEL_JAR_INFO; $("$JAVA" -version 2>&1 | sed -n 2p))"
  echo "wrk -t$WRK_THREADS -c$CONNS -d${MINUTES}m after ${WARMUP} s of warm-up: $WRK_LINE"
  echo "proxy /metrics: keel_proxy_requests +$((${REQ1:-0} - ${REQ0:-0})), keel_proxy_upstream_errors +$((${UERR1:-0} - ${UERR0:-0}))"
  echo "idle, before the measured run: fds $PRE_FDS, RSS $PRE_RSS KiB; 2 s after wrk ended: fds $IDLE_FDS, RSS $IDLE_RSS KiB, client connections ${IDLE_CC:-?}"
  echo
  # medians of the first minute's and of the last minute's samples, per column
  awk -F, -v dur="$DURATION_S" '
    function med(s,    a, n, i, j, x) {
      n = split(s, a, " "); if (n == 0) return ""
      for (i = 2; i <= n; i++) { x = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
      return (n % 2) ? a[(n + 1) / 2] + 0 : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    NR == 1 { for (i = 2; i <= 7; i++) name[i] = $i; next }
    { for (i = 2; i <= 7; i++) {
        if ($i == "") continue
        if ($1 <= 60) F[i] = F[i] " " $i
        if ($1 >= dur - 60) L[i] = L[i] " " $i
        if (!(i in MIN) || $i + 0 < MIN[i]) MIN[i] = $i + 0
        if (!(i in MAX) || $i + 0 > MAX[i]) MAX[i] = $i + 0
      } n++ }
    END {
      printf "%-15s %14s %14s %10s %8s %12s %12s\n", "sample (" n ")", "first-min med", "last-min med", "growth", "%", "min", "max"
      for (i = 2; i <= 7; i++) {
        f = med(F[i]); l = med(L[i])
        if (f == "" || l == "") { printf "%-15s %14s\n", name[i], "(not sampled)"; continue }
        printf "%-15s %14.0f %14.0f %+10.0f %+7.1f%% %12.0f %12.0f\n", name[i], f, l, l - f, (f ? 100 * (l - f) / f : 0), MIN[i], MAX[i]
      }
    }' "$CSV"
  echo
  echo "heap_used_kib swings with every young collection; old_used_kib (live data promoted) is the leak signal."
  if [[ -s $OUT/histogram-start.txt && -s $OUT/histogram-end.txt ]]; then
    echo "classes whose live bytes grew most between the start and the end histogram (after a full GC each):"
    echo "      bytes  instances  class"
    awk 'FNR == 1 { f++ } $1 ~ /^[0-9]+:$/ { if (f == 1) { a[$4] = $3; ai[$4] = $2 } else { b[$4] = $3; bi[$4] = $2 } }
      END { for (k in b) if (b[k] - a[k] > 0) printf "  %9d  %9d  %s\n", b[k] - a[k], bi[k] - ai[k], k }' \
      "$OUT/histogram-start.txt" "$OUT/histogram-end.txt" | sort -k1,1nr | head -10
    awk '/^Total/ { t[++n] = $2 " instances, " $3 " bytes" } END { if (n == 2) print "  live heap: start " t[1] "; end " t[2] }' \
      "$OUT/histogram-start.txt" "$OUT/histogram-end.txt"
  fi
} >"$SUMMARY"

echo
cat "$SUMMARY"
echo
log "samples: $CSV  summary: $SUMMARY"
