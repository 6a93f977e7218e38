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

WORKERS=1; DURATION=20; WARMUP=30; CONNS=64; PERF=0; OUT=""; NO_INSTALL=0; PIN=none
KEEL_JAR=$REPO_DIR/proxy-server/target/keel-proxy.jar
KEEL_JVM_OPTS=${KEEL_JVM_OPTS:-"-Xms256m -Xmx256m -XX:MaxDirectMemorySize=256m"} # as run-http.sh
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
  jfr print --events jdk.ExecutionSample "$OUT/keel.jfr" >"$WORK/samples.txt"
  # stacks: one per event, frames innermost first; keep only the method name (class.method)
  awk '
    function name(l) { sub(/^[ \t]+/, "", l); sub(/\(.*$/, "", l); return l }
    /stackTrace = \[/ { inst = 1; n = 0; next }
    inst && /^[ \t]*\]/ { inst = 0
      total++; self[F[1]]++
      delete seen; for (i = 1; i <= n; i++) if (!(F[i] in seen)) { seen[F[i]] = 1; incl[F[i]]++ }
      # first frame (innermost) that belongs to keel itself
      for (i = 1; i <= n; i++) if (F[i] ~ /^dev\.keel\./) { kself[F[i]]++; break }
      next }
    inst && /line:/ { F[++n] = name($0) }
    inst && /\.\.\.$/ { next }
    END {
      printf "JFR execution samples (Java code on CPU): %d\n\n", total
      print "Top 25 methods by self samples (innermost frame):"
      for (m in self) printf "%7.2f%%  %s\n", self[m] * 100 / total, m | "sort -rn | head -25"
      close("sort -rn | head -25")
      print "\nTop 25 dev.keel / io.netty methods by inclusive samples (on the stack):"
      for (m in incl) if (m ~ /^(dev\.keel|io\.netty)\./) printf "%7.2f%%  %s\n", incl[m] * 100 / total, m | "sort -rn | head -25"
      close("sort -rn | head -25")
      print "\nInnermost keel frame of each sample (what keel code leads to the hot path):"
      for (m in kself) printf "%7.2f%%  %s\n", kself[m] * 100 / total, m | "sort -rn | head -15"
      close("sort -rn | head -15")
    }' "$WORK/samples.txt"
  echo
  echo "Native method samples (threads in JNI/syscalls, top frame):"
  jfr print --events jdk.NativeMethodSample "$OUT/keel.jfr" | awk '
    /stackTrace = \[/ { getline; sub(/^[ \t]+/, ""); sub(/\(.*$/, ""); c[$0]++; t++ }
    END { for (m in c) printf "%7.2f%%  %s\n", c[m] * 100 / t, m | "sort -rn | head -8" }'
  echo
  echo "Allocation (jdk.ObjectAllocationSample, by sampled weight), top 15 classes:"
  jfr print --events jdk.ObjectAllocationSample "$OUT/keel.jfr" | awk '
    /objectClass = / { cls = $3 }
    /weight = / { w = $3; u = $4; m = (u ~ /^kB/) ? 1024 : (u ~ /^MB/) ? 1048576 : (u ~ /^GB/) ? 1073741824 : 1; gsub(/,/, "", w); W[cls] += w * m; T += w * m }
    END { for (c in W) printf "%7.2f%%  %10.1f MB  %s\n", W[c] * 100 / T, W[c] / 1048576, c | "sort -rn | head -15"; close("sort -rn | head -15"); printf "sampled weight %.1f MB (weights apportion bytes between samples: shares are rough)\n", T / 1048576 }'
  echo
  echo "Allocation per request on the event-loop thread(s) (jdk.ThreadAllocationStatistics, first and last value):"
  jfr print --events jdk.ThreadAllocationStatistics "$OUT/keel.jfr" | awk -v reqs="$REQS" '
    /allocated = / { v = $3; u = $4; gsub(/,/, "", v); b = v * ((u ~ /^kB/) ? 1024 : (u ~ /^MB/) ? 1048576 : (u ~ /^GB/) ? 1073741824 : 1) }
    /thread = "keel-io/ { if (!($0 in first)) first[$0] = b; last[$0] = b }
    END { for (t in first) d += last[t] - first[t]; if (reqs > 0) printf "%.0f bytes/request (%d requests; the JFR values are rounded to 2 digits)\n", d / reqs, reqs }'
  echo
  echo "Where the top allocated classes are allocated (innermost dev.keel frame, else innermost frame):"
  jfr print --events jdk.ObjectAllocationSample "$OUT/keel.jfr" | awk '
    function name(l) { sub(/^[ \t]+/, "", l); sub(/\(.*$/, "", l); return l }
    /^jdk.ObjectAllocationSample/ { cls = ""; w = 0; site = ""; first = "" }
    /objectClass = / { cls = $3 }
    /weight = / { w = $3; u = $4; gsub(/,/, "", w); w *= (u ~ /^kB/) ? 1024 : (u ~ /^MB/) ? 1048576 : (u ~ /^GB/) ? 1073741824 : 1 }
    /stackTrace = \[/ { inst = 1; next }
    inst && /line:/ { f = name($0); if (first == "") first = f; if (site == "" && f ~ /^dev\.keel\./) site = f }
    inst && /^[ \t]*\]/ { inst = 0; k = cls " <- " (site != "" ? site : first); W[k] += w; T += w }
    END { for (k in W) printf "%7.2f%%  %s\n", W[k] * 100 / T, k | "sort -rn | head -12" }'
  echo
  echo "JIT compilations during the recording (jdk.Compilation):"
  jfr print --events jdk.Compilation "$OUT/keel.jfr" | awk '
    /duration = / { v = $3; u = $4; ms = (u ~ /^ms/) ? v : (u ~ /^s/) ? v * 1000 : (u ~ /^us/) ? v / 1000 : v / 1e6; s += ms; n++ }
    END { printf "%d compilations, %.0f ms of compiler time\n", n, s }'
  echo
  echo "GC (jdk.GarbageCollection):"
  jfr print --events jdk.GarbageCollection "$OUT/keel.jfr" | awk '
    /sumOfPauses = / { v = $3; u = $4; ms = (u ~ /^ms/) ? v : (u ~ /^s/) ? v * 1000 : (u ~ /^us/) ? v / 1000 : v / 1e6; s += ms; n++; if (ms > mx) mx = ms }
    END { printf "%d collections, %.1f ms of pauses in total, longest %.2f ms\n", n, s, mx }'
} >"$REPORT" 2>&1

if ((PERF)) && [[ -s $WORK/perf.data ]]; then
  perf report -i "$WORK/perf.data" --stdio --no-children --sort dso,sym --percent-limit 0.7 2>/dev/null \
    | grep -v '^$' | grep -E '^ +[0-9.]+%' | head -40 >"$OUT/perf-report.txt" || true
  perf report -i "$WORK/perf.data" --stdio --no-children --sort dso 2>/dev/null | grep -E '^ +[0-9.]+%' | head -12 >"$OUT/perf-dso.txt" || true
  perf report -i "$WORK/perf.data" --stdio --no-children --sort comm 2>/dev/null | grep -E '^ +[0-9.]+%' | head -12 >"$OUT/perf-threads.txt" || true
  # the busiest thread (the event loop with 1 worker) gets its own symbol lists
  IO_COMM=$(awk 'NR == 1 { print $2 }' "$OUT/perf-threads.txt")
  perf report -i "$WORK/perf.data" --stdio --no-children --comms "$IO_COMM" --sort sym 2>/dev/null | grep -E '^ +[0-9.]+%' | grep -v '\[k\]' | head -30 >"$OUT/perf-user.txt" || true
  perf report -i "$WORK/perf.data" --stdio --no-children --comms "$IO_COMM" --sort sym 2>/dev/null | grep -E '^ +[0-9.]+%' | grep '\[k\]' | head -20 >"$OUT/perf-kernel.txt" || true
  perf report -i "$WORK/perf.data" --stdio --no-children --comms "$IO_COMM" --sort dso 2>/dev/null | grep -E '^ +[0-9.]+%' | head -8 >"$OUT/perf-io-dso.txt" || true
  { echo; echo "perf (cpu-clock, whole JVM process, kernel + JNI + JIT code) by thread:"; cat "$OUT/perf-threads.txt"
    echo; echo "whole process by DSO:"; cat "$OUT/perf-dso.txt"
    echo; echo "thread $IO_COMM by DSO (% of all samples):"; cat "$OUT/perf-io-dso.txt"
    echo; echo "thread $IO_COMM, top user-space symbols (JIT-compiled Java, libjvm, libc):"; cat "$OUT/perf-user.txt"
    echo; echo "thread $IO_COMM, top kernel symbols:"; cat "$OUT/perf-kernel.txt"; } >>"$REPORT"
fi
cat "$REPORT"
log "report: $REPORT"
