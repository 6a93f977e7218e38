#!/usr/bin/env bash
# L4 (TCP) bulk throughput: iperf3 direct vs HAProxy mode tcp (without and with
# `option splice-auto`) vs keel-proxy --protocol tcp, side by side, interleaved.
# See benchmarks/proxy/README.md. Loopback only; configs and logs live in a temp dir; every
# process it starts is stopped on exit (also on Ctrl-C).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/../.." && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

DEFAULT_KEEL_JVM_OPTS=$UNIT_JVM_OPTS # the systemd unit of docs/operations.md
usage() {
  cat <<EOF
usage: benchmarks/proxy/run-l4.sh [options]
  --workers N        threads/event loops of every proxy (default 1)
  --rounds N         interleaved repetitions (default 3, max 10)
  --duration S       seconds per iperf3 measurement, after 1 s omitted (default 10, max 60)
  --streams N        parallel iperf3 streams (default 1)
  --targets LIST     comma separated subset of direct,haproxy,haproxy-splice,keel (default all)
  --pin none|split   split: iperf3 client on CPU 0, servers on the other CPUs (default none)
  --keel-jar PATH    default proxy-server/target/keel-proxy.jar
  --keel-warmup S    warm-up of keel-proxy before round 1 (default 10)
  --out DIR          results directory (default benchmarks/proxy/results/l4-<timestamp>)
  --max-minutes M    stop starting new measurements after M minutes (default 10)
  --no-install       never apt-get install missing tools
env: KEEL_JVM_OPTS (default "$DEFAULT_KEEL_JVM_OPTS"), JAVA (default java)
EOF
}

WORKERS=1; ROUNDS=3; DURATION=10; STREAMS=1; TARGETS=direct,haproxy,haproxy-splice,keel; PIN=none
KEEL_JAR=$REPO_DIR/proxy-server/target/keel-proxy.jar; KEEL_WARMUP=10; OUT=""; MAX_MINUTES=10; NO_INSTALL=0
KEEL_JVM_OPTS=${KEEL_JVM_OPTS:-$DEFAULT_KEEL_JVM_OPTS}
JAVA=${JAVA:-java}
ORIG_ARGS="$*"
while (($#)); do
  case $1 in
    --workers) WORKERS=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --streams) STREAMS=$2; shift ;;
    --targets) TARGETS=$2; shift ;;
    --pin) PIN=$2; shift ;;
    --keel-jar) KEEL_JAR=$2; shift ;;
    --keel-warmup) KEEL_WARMUP=$2; shift ;;
    --out) OUT=$2; shift ;;
    --max-minutes) MAX_MINUTES=$2; shift ;;
    --no-install) NO_INSTALL=1 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
  shift
done
isnum "$WORKERS" 1 64 || die "--workers must be 1..64"
isnum "$ROUNDS" 1 10 || die "--rounds must be 1..10"
isnum "$DURATION" 1 60 || die "--duration must be 1..60"
isnum "$STREAMS" 1 128 || die "--streams must be 1..128"
isnum "$KEEL_WARMUP" 0 120 || die "--keel-warmup must be 0..120"
isnum "$MAX_MINUTES" 1 60 || die "--max-minutes must be 1..60"
IFS=, read -r -a TARGET_LIST <<<"$TARGETS"
for t in "${TARGET_LIST[@]}"; do
  case $t in direct|haproxy|haproxy-splice|keel) ;; *) die "unknown target: $t" ;; esac
done
setup_pinning
DEADLINE=$((SECONDS + MAX_MINUTES * 60))

ensure_tools haproxy:haproxy iperf3:iperf3

init_run l4 cfg

# --- backend: one iperf3 server (serves one test at a time; tests run one after another) ---
declare -A PORT=() PROXY_PID=() SKIPPED=()
start_iperf_server() {
  S=$(free_port); PORT[direct]=$S
  start_bg iperf "$WORK/logs/iperf3-server.out" "${SERVER_PREFIX[@]}" iperf3 -s -B 127.0.0.1 -p "$S"
  wait_port "$S" 10 "$PID_iperf" || { log "iperf3 server did not start: $(tail -2 "$WORK/logs/iperf3-server.out")"; stop_pid "$PID_iperf"; return 1; }
}
retry3 start_iperf_server || die "iperf3 server did not start"

start_haproxy() { # NAME SPLICE(0|1)
  local name=$1 splice=$2
  PORT[$name]=$(free_port)
  cat >"$WORK/$name.cfg" <<EOF
global
  nbthread $WORKERS
  maxconn 4096
defaults
  mode tcp
  timeout connect 5s
  timeout client 300s
  timeout server 300s
$( ((splice)) && echo "  option splice-auto")
frontend fe
  bind 127.0.0.1:${PORT[$name]}
  default_backend be
backend be
  server s1 127.0.0.1:$S
EOF
  haproxy -c -q -f "$WORK/$name.cfg" >&2 || die "haproxy config $name invalid"
  start_bg "${name//-/_}" "$WORK/logs/$name.out" "${SERVER_PREFIX[@]}" haproxy -db -f "$WORK/$name.cfg"
  local v="PID_${name//-/_}"
  PROXY_PID[$name]=${!v}
  wait_port "${PORT[$name]}" 10 "${!v}" || { log "$name did not start: $(grep -m2 ALERT "$WORK/logs/$name.out")"; stop_pid "${!v}"; return 1; }
}
start_haproxy_plain() { start_haproxy haproxy 0; }
start_haproxy_splice() { start_haproxy haproxy-splice 1; }

start_keel() {
  # a failure other than a port taken meanwhile is not retried
  if [[ -n ${SKIPPED[keel]:-} && ${KEEL_RETRYABLE:-0} == 0 ]]; then return 1; fi
  unset 'SKIPPED[keel]'
  if [[ ! -f $KEEL_JAR ]]; then SKIPPED[keel]="$KEEL_JAR not found (build proxy-server first)"; return 1; fi
  private_jar "$KEEL_JAR" "$WORK"
  PORT[keel]=$(free_port); local admin; admin=$(free_port) rc=0
  # shellcheck disable=SC2086
  start_bg keel "$WORK/logs/keel.out" "${SERVER_PREFIX[@]}" "$JAVA" $KEEL_JVM_OPTS -jar "$KEEL_JAR_COPY" \
    --listen "127.0.0.1:${PORT[keel]}" --registry "static://127.0.0.1:$S" --service bench \
    --protocol tcp --workers "$WORKERS" --admin "127.0.0.1:$admin"
  PROXY_PID[keel]=$PID_keel
  wait_port "${PORT[keel]}" 60 "$PID_keel" || rc=$?
  if ((rc == 2)); then
    local code=0; wait "$PID_keel" || code=$?
    SKIPPED[keel]="keel-proxy exited (status $code) instead of listening: --protocol tcp refused or not implemented yet: $(tail -3 "$WORK/logs/keel.out" | tr '\n' ' ' | cut -c1-300)"
  elif ((rc != 0)); then
    SKIPPED[keel]="keel-proxy --protocol tcp did not listen within 60 s"
  elif ! run_client "$WORK/logs/keel-probe.out" "${CLIENT_PREFIX[@]}" timeout 20 iperf3 -c 127.0.0.1 -p "${PORT[keel]}" -t 1; then
    SKIPPED[keel]="keel-proxy --protocol tcp listens but a 1 s iperf3 test through it failed: $(tail -2 "$WORK/logs/keel-probe.out" | tr '\n' ' ')"
  fi
  if [[ -n ${SKIPPED[keel]:-} ]]; then
    stop_pid "$PID_keel"; unset 'PROXY_PID[keel]'
    if grep -q 'already in use' "$WORK/logs/keel.out"; then KEEL_RETRYABLE=1; else KEEL_RETRYABLE=0; fi
    return 1
  fi
}

ACTIVE=()
for t in "${TARGET_LIST[@]}"; do
  case $t in
    direct) ACTIVE+=(direct) ;;
    haproxy) retry3 start_haproxy_plain || die "haproxy did not start"; ACTIVE+=(haproxy) ;;
    haproxy-splice) retry3 start_haproxy_splice || die "haproxy with splice did not start"; ACTIVE+=(haproxy-splice) ;;
    keel) if retry3 start_keel; then ACTIVE+=(keel); else log "SKIPPING keel: ${SKIPPED[keel]}"; fi ;;
  esac
done

CSV=$OUT/raw.csv
echo "round,target,streams,duration_s,bytes,gbit_per_s,retransmits,proxy_cpu_pct,proxy_cpu_us_per_mib,loadavg1" >"$CSV"
TRUNCATED=0

# run_iperf TARGET ROUND SECONDS [record]
run_iperf() {
  local t=$1 round=$2 secs=$3 record=${4:-1} pids c0 c1 out
  pids=${PROXY_PID[$t]:-}
  c0=$(cpu_ticks $pids)
  if ! run_client "$WORK/client.out" "${CLIENT_PREFIX[@]}" timeout $((secs + 30)) iperf3 -c 127.0.0.1 -p "${PORT[$t]}" -P "$STREAMS" -O 1 -t "$secs" -J; then
    log "iperf3 failed on $t: $(grep -m1 '"error"' "$WORK/client.out" || tail -3 "$WORK/client.out")"; return 0
  fi
  c1=$(cpu_ticks $pids)
  out=$(<"$WORK/client.out")
  ((record)) || return 0
  echo "$out" >"$WORK/logs/iperf3-$t-round$round.json"
  # the "end" object of iperf3 -J: sum_sent (retransmits) and sum_received (bytes, seconds)
  awk -v round="$round" -v t="$t" -v streams="$STREAMS" -v cpu=$((c1 - c0)) -v hz="$CLK_TCK" \
      -v la="$(cut -d' ' -f1 /proc/loadavg)" -v hasproxy="${pids:+1}" '
    /"end":/ { inend = 1 }
    inend && /"sum_sent":/ { sect = "sent" }
    inend && /"sum_received":/ { sect = "recv" }
    inend && sect != "" && /"seconds":/ { v = $2; gsub(/[,]/, "", v); S[sect] = v }
    inend && sect != "" && /"bytes":/ { v = $2; gsub(/[,]/, "", v); B[sect] = v }
    inend && sect == "sent" && /"retransmits":/ { v = $2; gsub(/[,]/, "", v); RT = v }
    inend && /^\t\t}/ { sect = "" }
    END {
      if (B["recv"] == 0 || S["recv"] == 0) exit 1
      secs = S["recv"]; bytes = B["recv"]
      pct = hasproxy ? sprintf("%.1f", cpu / hz / secs * 100) : ""
      per = hasproxy ? sprintf("%.2f", cpu * 1e6 / hz / (bytes / 1048576)) : ""
      printf "%s,%s,%s,%.2f,%.0f,%.3f,%s,%s,%s,%s\n", round, t, streams, secs, bytes, bytes * 8 / secs / 1e9, RT, pct, per, la
    }' <<<"$out" >>"$CSV" || { log "could not parse iperf3 output for $t"; return 0; }
  log "round $round $t: $(tail -1 "$CSV")"
}

log "warm-up: 2 s of iperf3 per target"
for t in "${ACTIVE[@]}"; do run_iperf "$t" 0 2 0; done
if [[ " ${ACTIVE[*]} " == *" keel "* ]] && ((KEEL_WARMUP > 0)); then
  log "JIT warm-up of keel-proxy: ${KEEL_WARMUP} s"
  run_iperf keel 0 "$KEEL_WARMUP" 0
fi
n=${#ACTIVE[@]}
for ((round = 1; round <= ROUNDS; round++)); do
  order=()
  for ((i = 0; i < n; i++)); do order+=("${ACTIVE[(i + round - 1) % n]}"); done
  log "round $round/$ROUNDS, order: ${order[*]} (load now $(loadavg))"
  for t in "${order[@]}"; do
    ((SECONDS + DURATION + 15 < DEADLINE)) || { TRUNCATED=1; break 2; }
    run_iperf "$t" "$round" "$DURATION"
  done
done
((TRUNCATED)) && log "time budget of $MAX_MINUTES min reached: remaining measurements skipped"
LOAD_END=$(loadavg)
FINISHED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
log "load average at end: $LOAD_END"

jesc() { sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | tr '\n' ' ' | sed 's/ *$//'; }
V_HAPROXY=$(haproxy -v 2>&1 | head -1 | awk '{print $3}' | jesc || true)
V_IPERF=$(iperf3 --version 2>&1 | head -1 | jesc || true)
V_JAVA=$("$JAVA" -version 2>&1 | sed -n 2p | jesc || true)
CMD="benchmarks/proxy/run-l4.sh${ORIG_ARGS:+ $ORIG_ARGS}"
skipped_json=""
for k in "${!SKIPPED[@]}"; do skipped_json+="${skipped_json:+,}\"$k\":\"$(jesc <<<"${SKIPPED[$k]}")\""; done
export HDR="{\"benchmark\":\"proxy-l4\",\"command\":\"$(jesc <<<"$CMD")\",\"started\":\"$STARTED_AT\",\"finished\":\"$FINISHED_AT\",\"loadavg_start\":\"$LOAD_START\",\"loadavg_end\":\"$LOAD_END\",\"cpus\":$(nproc),\"kernel\":\"$(uname -r)\",\"workers\":$WORKERS,\"rounds\":$ROUNDS,\"duration_s\":$DURATION,\"streams\":$STREAMS,\"pin\":\"$PIN\",\"truncated\":$( ((TRUNCATED)) && echo true || echo false),\"versions\":{\"haproxy\":\"$V_HAPROXY\",\"iperf3\":\"$V_IPERF\",\"java\":\"$V_JAVA\"},\"keel_jvm_opts\":\"$(jesc <<<"$KEEL_JVM_OPTS")\",\"keel_jar\":\"$KEEL_JAR_INFO\",\"skipped\":{${skipped_json}}"

awk -F, -v order="$(IFS=,; echo "${ACTIVE[*]}")" -v jsonf="$OUT/summary.json" -v mdf="$OUT/summary.md" '
function med(s,    a, n, i, j, x) {
  n = split(s, a, " "); if (n == 0) return ""
  for (i = 2; i <= n; i++) { x = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
  return (n % 2) ? a[(n + 1) / 2] + 0 : (a[n / 2] + a[n / 2 + 1]) / 2
}
function add(k, v) { if (v != "") L[k] = L[k] " " v }
function num(v, f) { return v == "" ? "null" : sprintf(f, v) }
function cell(v, f) { return v == "" ? "–" : sprintf(f, v) }
function csv(s) { sub(/^ +/, "", s); gsub(/ +/, ",", s); return s }
NR == 1 { next }
{ add($2 SUBSEP "g", $6); add($2 SUBSEP "pct", $8); add($2 SUBSEP "per", $9); G[$1, $2] = $6; R[$1] = 1 }
END {
  nt = split(order, T, ",")
  for (r in R) for (i = 1; i <= nt; i++) {
    t = T[i]
    if ((r, "direct") in G && (r, t) in G && G[r, "direct"] > 0) add(t SUBSEP "x", G[r, t] / G[r, "direct"])
    if ((r, "haproxy-splice") in G && (r, t) in G && G[r, "haproxy-splice"] > 0) add(t SUBSEP "xs", G[r, t] / G[r, "haproxy-splice"])
  }
  printf "%s,\"targets\":{", ENVIRON["HDR"] > jsonf
  print "| target | Gbit/s (median) | × direct | × HAProxy splice | proxy CPU % of a core | proxy CPU µs/MiB |" > mdf
  print "|---|---:|---:|---:|---:|---:|" > mdf
  for (i = 1; i <= nt; i++) {
    t = T[i]
    g = med(L[t SUBSEP "g"]); x = med(L[t SUBSEP "x"]); xs = med(L[t SUBSEP "xs"]); pct = med(L[t SUBSEP "pct"]); per = med(L[t SUBSEP "per"])
    printf "%s\"%s\":{\"gbit_per_s\":%s,\"ratio_to_direct\":%s,\"ratio_to_haproxy_splice\":%s,\"proxy_cpu_pct\":%s,\"proxy_cpu_us_per_mib\":%s,\"rounds_gbit_per_s\":[%s]}", (i > 1 ? "," : ""), t, num(g, "%.3f"), num(x, "%.3f"), num(xs, "%.3f"), num(pct, "%.1f"), num(per, "%.2f"), csv(L[t SUBSEP "g"]) > jsonf
    printf "| %s | %s | %s | %s | %s | %s |\n", t, cell(g, "%.2f"), cell(x, "%.2f"), cell(xs, "%.2f"), cell(pct, "%.0f"), cell(per, "%.1f") > mdf
  }
  print "}}" > jsonf
}' "$CSV"
{
  echo
  echo "Ratios are medians of per-round ratios. Proxy CPU from /proc/PID/stat (utime+stime) over each iperf3 run."
  echo "Load average: start $LOAD_START, end $LOAD_END. Workers: $WORKERS. Streams: $STREAMS. Pinning: $PIN."
  echo "HAProxy $V_HAPROXY, $V_IPERF, $V_JAVA; keel JVM: $KEEL_JVM_OPTS; keel jar: ${KEEL_JAR_INFO:-not run}"
  for k in "${!SKIPPED[@]}"; do echo "SKIPPED $k: ${SKIPPED[$k]}"; done
} >>"$OUT/summary.md"
echo
cat "$OUT/summary.md"
echo
log "raw: $OUT/raw.csv  summary: $OUT/summary.json  $OUT/summary.md"
