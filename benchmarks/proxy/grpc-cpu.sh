#!/usr/bin/env bash
# CPU per gRPC call through keel-proxy (upstream.protocol: h2c) and HAProxy (`proto h2` both sides),
# counted by the kernel as count-cpu.sh counts it for HTTP/1.1: `perf stat -p` over one GrpcLoad
# window (grpc-java, unary) per target, divided by the calls that succeeded — task-clock, system
# calls, user/system time — so two builds of keel-proxy can be compared on a busy machine.
# Targets are interleaved round by round: haproxy, then each --keel-jar in turn.
# With --profile, after the rounds, the first keel-proxy is profiled under the same load: a JFR
# recording (settings=profile) and, with --perf, `perf record -g` with a perf map of the JIT code
# (report.txt, as profile-keel.sh writes for HTTP/1.1; that keel then runs with
# -XX:+PreserveFramePointer, so its CPU figures are not comparable with the other jars').
# Loopback only; every process it starts is stopped on exit.
#
#   benchmarks/proxy/grpc-cpu.sh --keel-jar before.jar --keel-jar after.jar --rounds 5
#   benchmarks/proxy/grpc-cpu.sh --rounds 1 --profile --perf
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/../.." && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"
# shellcheck source=grpc-lib.sh
source "$SCRIPT_DIR/grpc-lib.sh"
# shellcheck source=jfr-report.sh
source "$SCRIPT_DIR/jfr-report.sh"

usage() {
  cat <<EOF
usage: benchmarks/proxy/grpc-cpu.sh [--keel-jar PATH]... [--rounds N] [--duration S] [--warmup S]
                                    [--channels N] [--concurrency C] [--workers N] [--no-haproxy]
                                    [--profile] [--perf] [--out DIR]
  --keel-jar PATH  a keel-proxy jar to measure; repeat to compare builds (default
                   proxy-server/target/keel-proxy.jar)
  --rounds N       interleaved rounds (default 5)   --duration S  seconds per window (default 10)
  --warmup S       JIT warm-up of each keel at full load before round 1 (default 20)
  --channels N     GrpcLoad channels (default 4)    --concurrency C  calling threads (default 32)
  --profile        then profile the first keel for --duration s with JFR (--perf: perf record first)
env: KEEL_JVM_OPTS (default "$UNIT_JVM_OPTS", as run-h2.sh), JAVA
Needs the benchmarks module built (mvn -pl proxy-server,benchmarks -am package -DskipTests).
EOF
}

JARS=(); ROUNDS=5; DURATION=10; WARMUP=20; CHANNELS=4; CONCURRENCY=32; WORKERS=1; HAPROXY=1; PROFILE=0; PERF=0
run_defaults "$UNIT_JVM_OPTS"
while (($#)); do
  case $1 in
    --keel-jar) JARS+=("$2"); shift ;;
    --rounds) ROUNDS=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --channels) CHANNELS=$2; shift ;;
    --concurrency) CONCURRENCY=$2; shift ;;
    --workers) WORKERS=$2; shift ;;
    --no-haproxy) HAPROXY=0 ;;
    --profile) PROFILE=1 ;;
    --perf) PERF=1 ;;
    *) common_option "$@"; shift $((OPTION_WORDS - 1)) ;;
  esac
  shift
done
((${#JARS[@]})) || JARS=("$KEEL_JAR")
isnum "$ROUNDS" 0 20 || die "--rounds: $ROUNDS (expected: 0..20)"
isnum "$DURATION" 2 60 || die "--duration: $DURATION (expected: 2..60)"
isnum "$WARMUP" 0 300 || die "--warmup: $WARMUP (expected: 0..300)"
isnum "$CHANNELS" 1 100 || die "--channels: $CHANNELS (expected: 1..100)"
isnum "$CONCURRENCY" 1 1000 || die "--concurrency: $CONCURRENCY (expected: 1..1000)"
isnum "$WORKERS" 1 64 || die "--workers: $WORKERS (expected: 1..64)"
for j in "${JARS[@]}"; do [[ -f $j ]] || die "--keel-jar: $j not found"; done
ensure_tools perf:linux-perf
if ((HAPROXY)); then ensure_tools haproxy:haproxy; fi
if ((PROFILE)); then command -v jcmd >/dev/null && command -v jfr >/dev/null || die "jcmd and jfr (JDK 17) are needed for --profile"; fi
init_run grpc-cpu cfg yaml

grpc_classpath
start_grpc_servers
declare -A PORT=() PIDS=() LABEL=()
TARGETS=()
if ((HAPROXY)); then
  PORT[haproxy]=$(free_port)
  { haproxy_head "$WORKERS"; cat <<CFG
frontend grpc
  bind 127.0.0.1:${PORT[haproxy]} proto h2
  default_backend grpc
backend grpc
  balance roundrobin
  server g1 $G1 proto h2
  server g2 $G2 proto h2
CFG
  } >"$WORK/haproxy.cfg"
  start_bg haproxy "$WORK/logs/haproxy.out" haproxy -db -f "$WORK/haproxy.cfg"
  # shellcheck disable=SC2154
  wait_port "${PORT[haproxy]}" 10 "$PID_haproxy" || die "haproxy did not start"
  PIDS[haproxy]=$PID_haproxy
  LABEL[haproxy]="HAProxy $(haproxy -v 2>&1 | awk 'NR == 1 { print $3 }'), the config of run-h2.sh's grpc frontend"
  TARGETS+=(haproxy)
fi
for i in "${!JARS[@]}"; do
  t=keel$i
  cp "${JARS[i]}" "$WORK/$t.jar"
  PORT[$t]=$(free_port)
  keel_grpc_yaml "$WORK/$t.yaml" "${PORT[$t]}" "$(free_port)" "$WORKERS"
  # the profiled keel keeps frame pointers in JIT code, so perf sees whole Java stacks (a few % of CPU)
  extra=""; if ((PROFILE && PERF && i == 0)); then extra="-XX:+PreserveFramePointer"; fi
  # shellcheck disable=SC2086
  start_bg "$t" "$WORK/logs/$t.out" "$JAVA" $KEEL_JVM_OPTS -XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints $extra \
    -jar "$WORK/$t.jar" --config "$WORK/$t.yaml"
  pid_var=PID_$t
  PIDS[$t]=${!pid_var}
  wait_port "${PORT[$t]}" 60 "${PIDS[$t]}" || die "$t did not start: $(tail -5 "$WORK/logs/$t.out")"
  LABEL[$t]="${JARS[i]} (sha256:$(sha256sum "${JARS[i]}" | cut -c1-12)), JVM: $KEEL_JVM_OPTS $extra"
  TARGETS+=("$t")
done
if ((WARMUP > 0)); then
  for t in "${TARGETS[@]}"; do
    [[ $t == haproxy ]] && continue
    log "warm-up of $t: ${WARMUP} s"
    [[ -n $(grpc_load "$WORK/logs/warmup-$t.txt" "${PORT[$t]}" "$WARMUP" "$CHANNELS" "$CONCURRENCY") ]] \
      || die "$t: GrpcLoad failed in the warm-up: $(tail -3 "$WORK/logs/warmup-$t.txt")"
  done
fi

# perf_start PERF-ARGS... : starts perf in the background (PERF_PID); stopped by
# perf_stop once the GrpcLoad window is over (the window also covers GrpcLoad's JVM start, when
# the idle proxy's CPU is ~0).
perf_start() {
  perf "$@" >>"$WORK/logs/perf.txt" 2>&1 &
  PERF_PID=$!; STARTED_PIDS+=("$PERF_PID")
  sleep 0.5
}
perf_stop() { kill -INT "$PERF_PID" 2>/dev/null || true; wait "$PERF_PID" 2>/dev/null || true; }

RAW=$OUT/raw.tsv
echo -e "round\ttarget\tcalls\tcalls_per_s\ttask_clock_us_per_call\tuser_us_per_call\tsys_us_per_call\tsyscalls_per_call" >"$RAW"
for ((r = 1; r <= ROUNDS; r++)); do
  for t in "${TARGETS[@]}"; do
    u0=$(cpu_utime "${PIDS[$t]}"); s0=$(cpu_stime "${PIDS[$t]}")
    perf_start stat -x, -e task-clock,raw_syscalls:sys_enter -p "${PIDS[$t]}" -o "$WORK/perf-$t-$r.csv"
    calls=$(grpc_load "$WORK/logs/load-$t-$r.txt" "${PORT[$t]}" "$DURATION" "$CHANNELS" "$CONCURRENCY")
    perf_stop
    [[ -n $calls && $calls -gt 0 ]] || die "$t: GrpcLoad failed: $(tail -3 "$WORK/logs/load-$t-$r.txt")"
    u1=$(cpu_utime "${PIDS[$t]}"); s1=$(cpu_stime "${PIDS[$t]}")
    cps=$(sed -n 's/^RPCs ok .* \([0-9.]*\) RPC\/s$/\1/p' "$WORK/logs/load-$t-$r.txt")
    awk -F, -v r="$r" -v t="$t" -v n="$calls" -v cps="$cps" -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v hz="$CLK_TCK" '
      $3 == "task-clock" { tc = $1 } $3 == "raw_syscalls:sys_enter" { sc = $1 }
      function per(v, scale, k) { return (v ~ /^[0-9.]+$/) ? sprintf(k, v * scale / n) : "-" }
      END { printf "%d\t%s\t%d\t%s\t%s\t%.2f\t%.2f\t%s\n", r, t, n, cps, per(tc, 1000, "%.2f"), u * 1e6 / hz / n, s * 1e6 / hz / n, per(sc, 1, "%.2f") }
    ' "$WORK/perf-$t-$r.csv" >>"$RAW"
    log "round $r $t: $(tail -1 "$RAW" | cut -f3-)"
  done
done

SUMMARY=$OUT/summary.md
{
  echo "# grpc-cpu: $ROUNDS rounds of GrpcLoad --channels $CHANNELS --concurrency $CONCURRENCY --duration ${DURATION}s (unary), $WORKERS worker(s), load $LOAD_START at the start, $(loadavg) at the end"
  echo
  for t in "${TARGETS[@]}"; do echo "- $t: ${LABEL[$t]}"; done
  echo
  echo "| target | calls/s | task-clock µs/call | user µs/call | sys µs/call | syscalls/call |"
  echo "|---|---:|---:|---:|---:|---:|"
  median_rows "$RAW" 4 5 6 7 8
  echo
  echo "Medians over the rounds; per-round figures in raw.tsv. task-clock ratios per round (÷ keel0):"
  ratio_lines "$RAW"
} >"$SUMMARY"
cat "$SUMMARY"

if ((PROFILE)); then
  pid=${PIDS[keel0]}
  REPORT=$OUT/report.txt
  { echo "keel-proxy (keel0) profile under GrpcLoad --channels $CHANNELS --concurrency $CONCURRENCY, ${DURATION} s per window"
    echo "jar ${LABEL[keel0]}, load average $(loadavg)"; } >"$REPORT"
  if ((PERF)); then
    # perf first, in a window of its own: starting JFR makes the JIT recompile for a while
    log "perf window: ${DURATION} s"
    perf_start record -e cpu-clock -F 499 -g -p "$pid" -o "$WORK/perf.data"
    calls=$(grpc_load "$WORK/logs/load-perf.txt" "${PORT[keel0]}" "$DURATION" "$CHANNELS" "$CONCURRENCY")
    jcmd "$pid" Compiler.perfmap >"$WORK/logs/perfmap.txt" 2>&1 || log "Compiler.perfmap failed: JIT frames will show as addresses"
    perf_stop
    echo "perf window: ${calls:-?} calls" >>"$REPORT"
  fi
  log "JFR window: ${DURATION} s"
  jcmd "$pid" JFR.start name=grpc settings=profile >"$WORK/logs/jfr-start.txt" 2>&1
  calls=$(grpc_load "$WORK/logs/load-jfr.txt" "${PORT[keel0]}" "$DURATION" "$CHANNELS" "$CONCURRENCY")
  jcmd "$pid" JFR.stop name=grpc filename="$OUT/keel.jfr" >"$WORK/logs/jfr-stop.txt" 2>&1 \
    || die "JFR.stop failed: $(cat "$WORK/logs/jfr-stop.txt")"
  { echo "JFR window: ${calls:-?} calls (JFR adds overhead)"; echo; jfr_report "$OUT/keel.jfr" "${calls:-0}"; } >>"$REPORT" 2>&1
  if ((PERF)) && [[ -s $WORK/perf.data ]]; then
    perf_report "$WORK/perf.data" "$OUT" >>"$REPORT"
    # kept for more views: copy perf-PID.map back to /tmp, then perf report -i perf.data ...
    mv "$WORK/perf.data" "$OUT/perf.data"; cp "/tmp/perf-$pid.map" "$OUT/" 2>/dev/null || true
  fi
  rm -f "/tmp/perf-$pid.map"
  log "profile: $REPORT"
fi
log "results: $OUT"
