#!/usr/bin/env bash
# HTTP/1.1 reverse-proxy benchmark: direct vs nginx vs HAProxy vs keel-proxy, side by side; with
# --routed N also keel-proxy as a gateway with N services behind one listener (routed.sh).
# See benchmarks/proxy/README.md. Loopback only; configs and logs live in a temp dir; every
# process it starts is stopped on exit (also on Ctrl-C).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/../.." && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"
# shellcheck source=routed.sh
source "$SCRIPT_DIR/routed.sh"

usage() {
  cat <<EOF
usage: benchmarks/proxy/run-http.sh [options]
  --workers N[,N...]   worker processes/threads/event loops of every proxy (default 1); a list
                       (1,2) runs the whole benchmark once per count, one after the other, into
                       OUT/workers-N/, and writes OUT/summary.md with each run's table
  --backend-workers N  nginx worker processes of the backend instance (default 1)
  --rounds N           interleaved repetitions (default 3, max 10)
  --duration S         seconds per wrk and per h2load measurement (default 10, max 60)
  --connections N      wrk connections (default 64); wrk threads: --wrk-threads (default 1)
  --rates LIST         fixed rates for h2load, comma separated (default 5000,20000)
  --rps-per-conn N     h2load per-connection rate; connections = rate / N (default 500)
  --targets LIST       comma separated subset of direct,nginx,haproxy,keel,keel-routed (default
                       all but keel-routed)
  --routed N           also keel-routed: keel-proxy with routes and N services (default 50 when
                       keel-routed is in --targets); every target then gets GET /svc-K/, K = 0..N-1
                       in turn, and the summary has keel-routed ÷ keel (issue 18: ≥ 0.95)
  --pin none|split     split: load generator on CPU 0, servers on the other CPUs (default none)
  --keel-jar PATH      default proxy-server/target/keel-proxy.jar
  --keel-warmup S      extra JIT warm-up of keel-proxy at full load before round 1 (default 30)
  --out DIR            results directory (default benchmarks/proxy/results/http-<timestamp>)
  --max-minutes M      stop starting new measurements after M minutes (default 14)
  --no-install         never apt-get install missing tools
  --no-alloc           skip the allocation-per-request measurement of keel-proxy (JFR)
env: KEEL_JVM_OPTS (default "$DEFAULT_KEEL_JVM_OPTS"), JAVA (default java)
EOF
}

DEFAULT_KEEL_JVM_OPTS=$UNIT_JVM_OPTS # the systemd unit of docs/operations.md
WORKERS=1; BACKEND_WORKERS=1; ROUNDS=3; DURATION=10; CONNS=64; WRK_THREADS=1
RATES=5000,20000; RPS_PER_CONN=500; TARGETS=direct,nginx,haproxy,keel; PIN=none
KEEL_JAR=$REPO_DIR/proxy-server/target/keel-proxy.jar; KEEL_WARMUP=30; OUT=""; MAX_MINUTES=14
NO_INSTALL=0; NO_ALLOC=0
KEEL_JVM_OPTS=${KEEL_JVM_OPTS:-$DEFAULT_KEEL_JVM_OPTS}
JAVA=${JAVA:-java}
ORIG_ARGS="$*"

while (($#)); do
  case $1 in
    --workers) WORKERS=$2; shift ;;
    --backend-workers) BACKEND_WORKERS=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --connections) CONNS=$2; shift ;;
    --wrk-threads) WRK_THREADS=$2; shift ;;
    --rates) RATES=$2; shift ;;
    --rps-per-conn) RPS_PER_CONN=$2; shift ;;
    --targets) TARGETS=$2; shift ;;
    --routed) ROUTED=$2; shift ;;
    --pin) PIN=$2; shift ;;
    --keel-jar) KEEL_JAR=$2; shift ;;
    --keel-warmup) KEEL_WARMUP=$2; shift ;;
    --out) OUT=$2; shift ;;
    --max-minutes) MAX_MINUTES=$2; shift ;;
    --no-install) NO_INSTALL=1 ;;
    --no-alloc) NO_ALLOC=1 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
  shift
done

if [[ $WORKERS == *,* ]]; then
  # one complete run per worker count, each in its own process and directory
  OUT=${OUT:-$SCRIPT_DIR/results/http-$(date -u +%Y%m%dT%H%M%SZ)}
  mkdir -p "$OUT"
  rest=(); skip=0
  for a in $ORIG_ARGS; do
    if ((skip)); then skip=0; continue; fi
    case $a in --workers|--out) skip=1 ;; *) rest+=("$a") ;; esac
  done
  IFS=, read -r -a WORKER_LIST <<<"$WORKERS"
  for w in "${WORKER_LIST[@]}"; do isnum "$w" 1 64 || die "--workers: $w (expected: 1..64)"; done
  for w in "${WORKER_LIST[@]}"; do
    log "=== $w worker(s) each ==="
    "$0" "${rest[@]}" --workers "$w" --out "$OUT/workers-$w" || die "the run with $w worker(s) failed"
  done
  { echo "# benchmarks/proxy/run-http.sh $ORIG_ARGS"; echo
    for w in "${WORKER_LIST[@]}"; do echo "## $w worker(s) each"; echo; cat "$OUT/workers-$w/summary.md"; echo; done
  } >"$OUT/summary.md"
  log "summary of all runs: $OUT/summary.md"
  exit 0
fi
isnum "$WORKERS" 1 64 || die "--workers must be 1..64"
isnum "$BACKEND_WORKERS" 1 64 || die "--backend-workers must be 1..64"
isnum "$ROUNDS" 1 10 || die "--rounds must be 1..10"
isnum "$DURATION" 1 60 || die "--duration must be 1..60"
isnum "$CONNS" 1 10000 || die "--connections must be 1..10000"
isnum "$WRK_THREADS" 1 64 || die "--wrk-threads must be 1..64"
isnum "$RPS_PER_CONN" 1 1000000 || die "--rps-per-conn must be a positive integer"
isnum "$KEEL_WARMUP" 0 300 || die "--keel-warmup must be 0..300"
isnum "$MAX_MINUTES" 1 120 || die "--max-minutes must be 1..120"
IFS=, read -r -a RATE_LIST <<<"$RATES"
for r in "${RATE_LIST[@]}"; do isnum "$r" 1 10000000 || die "bad rate: $r"; done
IFS=, read -r -a TARGET_LIST <<<"$TARGETS"
for t in "${TARGET_LIST[@]}"; do
  case $t in direct|nginx|haproxy|keel) ;; keel-routed) ((ROUTED > 0)) || ROUTED=50 ;; *) die "unknown target: $t" ;; esac
done
isnum "$ROUTED" 0 10000 || die "--routed: $ROUTED (expected: 0..10000)"
if ((ROUTED > 0)) && [[ ",$TARGETS," != *,keel-routed,* ]]; then TARGET_LIST+=(keel-routed); TARGETS+=,keel-routed; fi
setup_pinning
DEADLINE=$((SECONDS + MAX_MINUTES * 60))

# ---------------------------------------------------------------------------------------
ensure_tools nginx:nginx haproxy:haproxy wrk:wrk h2load:nghttp2-client

init_run http conf cfg yaml lua

declare -A PORT=()

nginx_backend # one nginx instance, `return 200 "ok"` on two ports
PORT[direct]=$B1
routed_setup "$WORK"

declare -A PROXY_PID=() START_MS=() RSS_IDLE_KB=() RSS_LOAD_KB=() SKIPPED=()
now_ms() { date +%s%3N; }
# wait_200 TARGET PID SECONDS : until the proxy answers 200; records start-to-first-200 time.
wait_200() {
  local t=$1 pid=$2 secs=$3 t0=$4 i
  for ((i = 0; i < secs * 20; i++)); do
    kill -0 "$pid" 2>/dev/null || return 2
    if [[ $(http_status "${PORT[$t]}" "$PROBE_PATH") == 200 ]]; then
      START_MS[$t]=$(($(now_ms) - t0))
      return 0
    fi
    sleep 0.05
  done
  return 1
}
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
# proxy processes whose CPU we count: the started process and its children (nginx workers)
proxy_pids() { local p=${PROXY_PID[$1]:-}; [[ -z $p ]] && return 0; echo "$p"; children_of "$p"; }

start_nginx() {
  PORT[nginx]=$(free_port)
  nginx_proxy_conf "$WORK/nginx.conf" "${PORT[nginx]}" "$WORKERS"
  local t0; t0=$(now_ms)
  start_bg nginx "$WORK/logs/nginx.out" "${SERVER_PREFIX[@]}" nginx -p "$WORK" -e "$WORK/logs/nginx-error.log" -c "$WORK/nginx.conf" -g 'daemon off;'
  PROXY_PID[nginx]=$PID_nginx
  wait_200 nginx "$PID_nginx" 10 "$t0" || { log "nginx proxy did not answer 200: $(tail -3 "$WORK/logs/nginx-error.log")"; stop_pid "$PID_nginx"; return 1; }
}

start_haproxy() {
  PORT[haproxy]=$(free_port)
  { haproxy_head "$WORKERS"; cat <<EOF
  option forwardfor
  timeout http-keep-alive 300s
frontend fe
  bind 127.0.0.1:${PORT[haproxy]}
  default_backend be
backend be
  balance roundrobin
  http-request set-header X-Forwarded-Proto http
  http-request set-header X-Forwarded-Host %[req.hdr(host)]
  server b1 127.0.0.1:$B1
  server b2 127.0.0.1:$B2
EOF
  } >"$WORK/haproxy.cfg"
  haproxy -c -q -f "$WORK/haproxy.cfg" >&2 || die "haproxy config invalid"
  local t0; t0=$(now_ms)
  start_bg haproxy "$WORK/logs/haproxy.out" "${SERVER_PREFIX[@]}" haproxy -db -f "$WORK/haproxy.cfg"
  PROXY_PID[haproxy]=$PID_haproxy
  wait_200 haproxy "$PID_haproxy" 10 "$t0" || { log "haproxy did not answer 200: $(grep -m2 ALERT "$WORK/logs/haproxy.out")"; stop_pid "$PID_haproxy"; return 1; }
}

# start_keel TARGET : keel (one service, the one-line form) or keel-routed (routed.sh's config)
start_keel() {
  local t=$1
  # a failure other than a port taken meanwhile is not retried
  if [[ -n ${SKIPPED[$t]:-} && ${KEEL_RETRYABLE:-0} == 0 ]]; then return 1; fi
  unset 'SKIPPED[$t]'
  if [[ ! -f $KEEL_JAR ]]; then
    SKIPPED[$t]="$KEEL_JAR not found (build proxy-server first)"; return 1
  fi
  [[ -n $KEEL_JAR_COPY ]] || private_jar "$KEEL_JAR" "$WORK" # once: never rewrite a jar a JVM runs
  PORT[$t]=$(free_port); local admin; admin=$(free_port)
  local args=(--listen "127.0.0.1:${PORT[$t]}" --registry "static://127.0.0.1:$B1,127.0.0.1:$B2"
    --service bench --workers "$WORKERS" --admin "127.0.0.1:$admin")
  if [[ $t == keel-routed ]]; then
    routed_config "$WORK/keel-routed.yaml" "${PORT[$t]}" "$admin" "$WORKERS" "$B1" "$B2"
    args=(--config "$WORK/keel-routed.yaml"); ROUTED_ADMIN=$admin
  fi
  local t0; t0=$(now_ms)
  # shellcheck disable=SC2086
  start_bg "${t//-/_}" "$WORK/logs/$t.out" "${SERVER_PREFIX[@]}" "$JAVA" $KEEL_JVM_OPTS -jar "$KEEL_JAR_COPY" "${args[@]}"
  local pid_var="PID_${t//-/_}"
  PROXY_PID[$t]=${!pid_var}
  local rc=0
  wait_200 "$t" "${PROXY_PID[$t]}" 60 "$t0" || rc=$?
  if ((rc != 0)); then
    local code=0
    if ((rc == 2)); then wait "${PROXY_PID[$t]}" || code=$?; fi
    if ((rc == 2)); then
      SKIPPED[$t]="$t exited (status $code) before answering 200: $(tail -3 "$WORK/logs/$t.out" | tr '\n' ' ' | cut -c1-300)"
    else
      SKIPPED[$t]="$t did not answer 200 within 60 s; see logs/$t.out"
    fi
    log "${SKIPPED[$t]}:"; tail -20 "$WORK/logs/$t.out" >&2 || true
    stop_pid "${PROXY_PID[$t]}"; unset 'PROXY_PID[$t]'
    if grep -q 'already in use' "$WORK/logs/$t.out"; then KEEL_RETRYABLE=1; else KEEL_RETRYABLE=0; fi
    return 1
  fi
}

ACTIVE=()
for t in "${TARGET_LIST[@]}"; do
  case $t in
    direct) ACTIVE+=(direct) ;;
    nginx) retry3 start_nginx || die "nginx proxy did not start"; ACTIVE+=(nginx) ;;
    haproxy) retry3 start_haproxy || die "haproxy did not start"; ACTIVE+=(haproxy) ;;
    keel|keel-routed) if retry3 start_keel "$t"; then ACTIVE+=("$t"); unset 'SKIPPED[$t]'; else log "SKIPPING $t: ${SKIPPED[$t]}"; fi ;;
  esac
done
sleep 1
for t in "${ACTIVE[@]}"; do
  [[ $t == direct ]] && continue
  RSS_IDLE_KB[$t]=$(rss_kb "${PROXY_PID[$t]}")
  log "$t listening on 127.0.0.1:${PORT[$t]} (first 200 after ${START_MS[$t]} ms, idle RSS ${RSS_IDLE_KB[$t]} KiB)"
done

# --- measurements -----------------------------------------------------------------------
CSV=$OUT/raw.csv
echo "round,target,test,rate,connections,duration_s,requests,req_per_s,errors,non2xx,p50_ms,p99_ms,p999_ms,proxy_cpu_us_per_req,backend_cpu_us_per_req,loadavg1" >"$CSV"
TRUNCATED=0
time_left() { ((SECONDS + DURATION + 15 < DEADLINE)); }

# run_wrk TARGET ROUND SECONDS [record]
run_wrk() {
  local t=$1 round=$2 secs=$3 record=${4:-1} url="http://127.0.0.1:${PORT[$1]}/"
  local pids bpids c0 c1 b0 b1 out
  pids=$(proxy_pids "$t"); bpids="$PID_backend $(children_of "$PID_backend")"
  c0=$(cpu_ticks $pids); b0=$(cpu_ticks $bpids)
  if ! run_client "$WORK/client.out" "${CLIENT_PREFIX[@]}" timeout $((secs + 30)) wrk -t"$WRK_THREADS" -c"$CONNS" -d"${secs}s" "${WRK_SCRIPT[@]}" "$url"; then
    log "wrk failed on $t: $(tail -3 "$WORK/client.out")"; return 0
  fi
  c1=$(cpu_ticks $pids); b1=$(cpu_ticks $bpids)
  out=$(<"$WORK/client.out")
  ((record)) || return 0
  echo "$out" >>"$WORK/logs/wrk-$t.log"
  awk -v round="$round" -v t="$t" -v conns="$CONNS" -v cpu=$((c1 - c0)) -v bcpu=$((b1 - b0)) -v hz="$CLK_TCK" \
      -v la="$(cut -d' ' -f1 /proc/loadavg)" -v hasproxy="${pids:+1}" '
    / requests in / { req = $1; d = $4; sub(/s,?$/, "", d) }
    /Socket errors:/ { gsub(/,/, ""); err = $4 + $6 + $8 + $10 }
    /Non-2xx or 3xx responses:/ { non2xx = $NF }
    /^Requests\/sec:/ { rps = $2 }
    END {
      if (req == 0) exit 1
      pc = hasproxy ? sprintf("%.2f", cpu * 1e6 / hz / req) : ""
      printf "%s,%s,wrk,0,%s,%s,%d,%.0f,%d,%d,,,,%s,%.2f,%s\n", round, t, conns, d, req, rps, err, non2xx, pc, bcpu * 1e6 / hz / req, la
    }' <<<"$out" >>"$CSV" || { log "could not parse wrk output for $t: $out"; return 0; }
  log "round $round $t wrk: $(tail -1 "$CSV")"
}

# run_h2load TARGET ROUND RATE [SECONDS]
run_h2load() {
  local t=$1 round=$2 rate=$3 secs=${4:-$DURATION} urls
  mapfile -t urls < <(target_urls "${PORT[$1]}")
  local clients=$(((rate + RPS_PER_CONN - 1) / RPS_PER_CONN)) lf="$WORK/h2load-$t-$rate.log"
  local per=$((rate / clients)) pids bpids c0 c1 b0 b1 out
  pids=$(proxy_pids "$t"); bpids="$PID_backend $(children_of "$PID_backend")"
  rm -f "$lf"
  c0=$(cpu_ticks $pids); b0=$(cpu_ticks $bpids)
  if ! run_client "$WORK/client.out" "${CLIENT_PREFIX[@]}" timeout $((secs + 30)) h2load --h1 -t1 -c"$clients" --rps "$per" -D "$secs" --warm-up-time 1 --log-file "$lf" "${urls[@]}"; then
    log "h2load failed on $t: $(tail -5 "$WORK/client.out")"; return 0
  fi
  c1=$(cpu_ticks $pids); b1=$(cpu_ticks $bpids)
  out=$(<"$WORK/client.out")
  echo "$out" >>"$WORK/logs/h2load-$t.log"
  local pct
  # nearest-rank percentiles of the per-request times (µs) in the log
  pct=$(cut -f3 "$lf" | sort -n | awk '{ a[NR] = $1 } END {
      if (NR == 0) { print ",,"; exit }
      split("0.5 0.99 0.999", q, " ")
      for (i = 1; i <= 3; i++) { k = int(q[i] * NR); if (k < q[i] * NR) k++; if (k < 1) k = 1; printf "%s%.3f", (i > 1 ? "," : ""), a[k] / 1000 }
      print "" }')
  awk -v round="$round" -v t="$t" -v rate="$rate" -v conns="$clients" -v dur="$secs" -v pct="$pct" \
      -v cpu=$((c1 - c0)) -v bcpu=$((b1 - b0)) -v hz="$CLK_TCK" -v la="$(cut -d' ' -f1 /proc/loadavg)" -v hasproxy="${pids:+1}" '
    /^finished in/ { rps = $4 }
    /^requests:/ { done = $6; failed = $10; errored = $12; tmo = $14 }
    /^status codes:/ { s2 = $3 }
    END {
      if (done == 0) exit 1
      pc = hasproxy ? sprintf("%.2f", cpu * 1e6 / hz / done) : ""
      printf "%s,%s,h2load,%s,%s,%s,%d,%.0f,%d,%d,%s,%s,%.2f,%s\n", round, t, rate, conns, dur, done, rps, failed + errored + tmo, done - s2, pct, pc, bcpu * 1e6 / hz / done, la
    }' <<<"$out" >>"$CSV" || { log "could not parse h2load output for $t: $(grep -E '^(requests|status)' <<<"$out")"; rm -f "$lf"; return 0; }
  rm -f "$lf"
  log "round $round $t h2load@$rate: $(tail -1 "$CSV")"
}

log "warm-up: 3 s of wrk per target"
for t in "${ACTIVE[@]}"; do run_wrk "$t" 0 3 0; done
for t in keel keel-routed; do
  if [[ " ${ACTIVE[*]} " == *" $t "* ]] && ((KEEL_WARMUP > 0)); then
    log "JIT warm-up of $t: ${KEEL_WARMUP} s of wrk, then 5 s of h2load at ${RATE_LIST[-1]} req/s"
    run_wrk "$t" 0 "$KEEL_WARMUP" 0
    run_h2load "$t" 0 "${RATE_LIST[-1]}" 5 2>/dev/null
    sed -i "/^0,$t,/d" "$CSV"
  fi
done
ROUTED_NOTE=""
if [[ " ${ACTIVE[*]} " == *" keel-routed "* ]] && ! routed_check "$ROUTED_ADMIN"; then
  ROUTED_NOTE="keel-routed did not have all $ROUTED services open after the warm-up (see logs/keel-routed.out)"
fi

n=${#ACTIVE[@]}
for ((round = 1; round <= ROUNDS; round++)); do
  order=()   # rotate the order every round so that no target always runs first or last
  for ((i = 0; i < n; i++)); do order+=("${ACTIVE[(i + round - 1) % n]}"); done
  log "round $round/$ROUNDS, order: ${order[*]} (load ${LOAD_START%% *} at start, now $(loadavg))"
  for t in "${order[@]}"; do
    time_left || { TRUNCATED=1; break 2; }
    run_wrk "$t" "$round" "$DURATION"
  done
  for rate in "${RATE_LIST[@]}"; do
    for t in "${order[@]}"; do
      time_left || { TRUNCATED=1; break 3; }
      run_h2load "$t" "$round" "$rate"
    done
  done
done
((TRUNCATED)) && log "time budget of $MAX_MINUTES min reached: remaining measurements skipped"

# --- allocation per request (keel-proxy, keel-routed) -------------------------------------
# One more wrk run against each keel-proxy with a JFR recording of only jdk.ThreadAllocationStatistics,
# taken when the recording starts and when it stops (period everyChunk): the bytes its event-loop
# threads (keel-io-*) allocated in between, ÷ the requests wrk completed. Exact counters, not samples.
declare -A ALLOC_B_PER_REQ=()
# alloc_keel TARGET : sets ALLOC_B_PER_REQ[TARGET]
alloc_keel() {
  local t=$1 pid=${PROXY_PID[$1]} jfr="$WORK/alloc${1#keel}.jfr" jfc="$WORK/alloc.jfc" reqs
  cat >"$jfc" <<'JFC'
<?xml version="1.0" encoding="UTF-8"?>
<configuration version="2.0" label="keel allocation per request">
  <event name="jdk.ThreadAllocationStatistics"><setting name="enabled">true</setting><setting name="period">everyChunk</setting></event>
</configuration>
JFC
  command -v jcmd >/dev/null && command -v jfr >/dev/null || { log "no jcmd/jfr: allocation not measured"; return 0; }
  jcmd "$pid" JFR.start name=alloc settings="$jfc" filename="$jfr" >"$WORK/logs/jfr-alloc-start.txt" 2>&1 \
    || { log "JFR.start failed: $(tail -2 "$WORK/logs/jfr-alloc-start.txt")"; return 0; }
  run_client "$WORK/client.out" "${CLIENT_PREFIX[@]}" timeout $((DURATION + 30)) wrk -t"$WRK_THREADS" -c"$CONNS" -d"${DURATION}s" "${WRK_SCRIPT[@]}" "http://127.0.0.1:${PORT[$t]}/" || true
  jcmd "$pid" JFR.stop name=alloc >"$WORK/logs/jfr-alloc-stop.txt" 2>&1 || true
  reqs=$(awk '/ requests in / { print $1 }' "$WORK/client.out")
  [[ -s $jfr && -n $reqs ]] || { log "allocation: no recording or no requests"; return 0; }
  cp "$jfr" "$OUT/logs/$(basename "$jfr")" 2>/dev/null || true
  # per keel-io thread: the first and the last "allocated" value; the sum of the differences ÷ requests
  ALLOC_B_PER_REQ[$t]=$(jfr print --json --events jdk.ThreadAllocationStatistics "$jfr" | awk -v reqs="$reqs" '
    /"allocated":/ { v = $2; gsub(/[^0-9]/, "", v) }
    /"javaName":/ { n = $2; gsub(/[",]/, "", n); if (n ~ /^keel-io/) { if (!(n in first)) first[n] = v; last[n] = v } }
    END { for (t in first) d += last[t] - first[t]; if (reqs > 0 && d > 0) printf "%.0f", d / reqs }')
  log "$t allocation: ${ALLOC_B_PER_REQ[$t]:-?} bytes/request on its event loop(s) ($reqs requests)"
}
for t in keel keel-routed; do
  if [[ " ${ACTIVE[*]} " == *" $t "* ]] && ((NO_ALLOC == 0)) && ((TRUNCATED == 0)); then alloc_keel "$t"; fi
done

for t in "${ACTIVE[@]}"; do [[ $t == direct ]] || RSS_LOAD_KB[$t]=$(rss_kb "${PROXY_PID[$t]}"); done
LOAD_END=$(loadavg)
FINISHED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
log "load average at end: $LOAD_END"

# --- versions and summary -----------------------------------------------------------------
jesc() { sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | tr '\n' ' ' | sed 's/ *$//'; }
V_NGINX=$(nginx -v 2>&1 | sed 's/.*version: //' | jesc || true)
V_HAPROXY=$(haproxy -v 2>&1 | head -1 | awk '{print $3}' | jesc || true)
V_WRK=$(wrk -v 2>&1 | head -1 | awk '{print $2}' | jesc || true)
V_H2LOAD=$(h2load --version 2>&1 | head -1 | jesc || true)
V_JAVA=$("$JAVA" -version 2>&1 | sed -n 2p | jesc || true)
V_KERNEL=$(uname -r)
CMD="benchmarks/proxy/run-http.sh${ORIG_ARGS:+ $ORIG_ARGS}"
skipped_json=""
for k in "${!SKIPPED[@]}"; do skipped_json+="${skipped_json:+,}\"$k\":\"$(jesc <<<"${SKIPPED[$k]}")\""; done
extra=""
for t in "${ACTIVE[@]}"; do
  [[ $t == direct ]] && continue
  extra+="$t ${START_MS[$t]:-} ${RSS_IDLE_KB[$t]:-} ${RSS_LOAD_KB[$t]:-};"
done

HDR="{\"benchmark\":\"proxy-http\",\"command\":\"$(jesc <<<"$CMD")\",\"started\":\"$STARTED_AT\",\"finished\":\"$FINISHED_AT\",\"loadavg_start\":\"$LOAD_START\",\"loadavg_end\":\"$LOAD_END\",\"cpus\":$(nproc),\"kernel\":\"$V_KERNEL\",\"workers\":$WORKERS,\"backend_workers\":$BACKEND_WORKERS,\"rounds\":$ROUNDS,\"duration_s\":$DURATION,\"wrk\":{\"threads\":$WRK_THREADS,\"connections\":$CONNS},\"h2load_rps_per_conn\":$RPS_PER_CONN,\"pin\":\"$PIN\",\"truncated\":$( ((TRUNCATED)) && echo true || echo false),\"versions\":{\"nginx\":\"$V_NGINX\",\"haproxy\":\"$V_HAPROXY\",\"wrk\":\"$V_WRK\",\"h2load\":\"$V_H2LOAD\",\"java\":\"$V_JAVA\"},\"keel_jvm_opts\":\"$(jesc <<<"$KEEL_JVM_OPTS")\",\"keel_jar\":\"$KEEL_JAR_INFO\",\"skipped\":{${skipped_json}}" \
ALLOC="${ALLOC_B_PER_REQ[keel]:-}" ALLOC_ROUTED="${ALLOC_B_PER_REQ[keel-routed]:-}" ROUTED="$ROUTED" EXTRA="$extra" awk -F, -v rates="$RATES" -v order="$(IFS=,; echo "${ACTIVE[*]}")" \
    -v jsonf="$OUT/summary.json" -v mdf="$OUT/summary.md" '
function med(s,    a, n, i, j, x) {   # median of a space separated list
  n = split(s, a, " "); if (n == 0) return ""
  for (i = 2; i <= n; i++) { x = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
  return (n % 2) ? a[(n + 1) / 2] + 0 : (a[n / 2] + a[n / 2 + 1]) / 2
}
function csv(s) { sub(/^ +/, "", s); gsub(/ +/, ",", s); return s }
function mn(s,    a, n, i, m) { n = split(s, a, " "); if (n == 0) return ""; m = a[1] + 0; for (i = 2; i <= n; i++) if (a[i] + 0 < m) m = a[i] + 0; return m }
function mx(s,    a, n, i, m) { n = split(s, a, " "); if (n == 0) return ""; m = a[1] + 0; for (i = 2; i <= n; i++) if (a[i] + 0 > m) m = a[i] + 0; return m }
function spread(s, f) { return s == "" ? "–" : sprintf(f " (" f "–" f ")", med(s), mn(s), mx(s)) }
function jspread(s) { return s == "" ? "null" : sprintf("{\"median\":%.3f,\"min\":%.3f,\"max\":%.3f,\"rounds\":[%s]}", med(s), mn(s), mx(s), csv(s)) }
function add(k, v) { if (v != "") L[k] = L[k] " " v }
function num(v, f) { return v == "" ? "null" : sprintf(f, v) }
function cell(v, f) { return v == "" ? "–" : sprintf(f, v) }
NR == 1 { next }
$2 != "" {
  r = $1; t = $2
  if ($3 == "wrk") {
    add(t SUBSEP "rps", $8); add(t SUBSEP "cpu", $14); add(t SUBSEP "bcpu", $15)
    W[r, t] = $8; C[r, t] = $14; R[r] = 1
  } else {
    k = t SUBSEP $4
    add(k SUBSEP "ach", $8); add(k SUBSEP "p50", $11); add(k SUBSEP "p99", $12); add(k SUBSEP "p999", $13); add(k SUBSEP "cpu", $14)
    P[r, t, $4] = $12
  }
}
END {
  nt = split(order, T, ","); nr = split(rates, RT, ",")
  # ratios: medians of per-round ratios (both sides measured minutes apart in the same round)
  for (r in R) for (i = 1; i <= nt; i++) {
    t = T[i]
    if ((r, "direct") in W && (r, t) in W && W[r, "direct"] > 0) add(t SUBSEP "xdirect", W[r, t] / W[r, "direct"])
    if ((r, "nginx") in W && (r, t) in W && W[r, "nginx"] > 0) add(t SUBSEP "rps_xnginx", W[r, t] / W[r, "nginx"])
    if ((r, "nginx") in C && (r, t) in C && C[r, "nginx"] > 0 && C[r, t] != "") add(t SUBSEP "cpu_xnginx", C[r, t] / C[r, "nginx"])
    if ((r, "haproxy") in W && (r, t) in W && W[r, "haproxy"] > 0) add(t SUBSEP "rps_xhaproxy", W[r, t] / W[r, "haproxy"])
    if ((r, "haproxy") in C && (r, t) in C && C[r, "haproxy"] > 0 && C[r, t] != "") add(t SUBSEP "cpu_xhaproxy", C[r, t] / C[r, "haproxy"])
    if (t == "keel-routed" && (r, "keel") in W && (r, t) in W && W[r, "keel"] > 0) add("routed_xkeel", W[r, t] / W[r, "keel"])
    if (t == "keel-routed" && (r, "keel") in C && (r, t) in C && C[r, "keel"] > 0 && C[r, t] != "") add("routed_cpu_xkeel", C[r, t] / C[r, "keel"])
    for (j = 1; j <= nr; j++) if ((r, "nginx", RT[j]) in P && (r, t, RT[j]) in P && P[r, "nginx", RT[j]] > 0)
      add(t SUBSEP RT[j] SUBSEP "xnginx", P[r, t, RT[j]] / P[r, "nginx", RT[j]])
  }
  hdr = ENVIRON["HDR"]; split(ENVIRON["EXTRA"], EX, ";"); for (i in EX) { split(EX[i], e, " "); if (e[1] != "") { SM[e[1]] = e[2]; RI[e[1]] = e[3]; RL[e[1]] = e[4] } }

  printf "%s,\"targets\":{", hdr > jsonf
  md = "| target | req/s (median) | × direct | proxy CPU µs/req |"
  sep = "|---|---:|---:|---:|"
  for (j = 1; j <= nr; j++) { md = md sprintf(" p50 / p99 / p999 ms @%s/s | p99 ÷ nginx @%s/s |", RT[j], RT[j]); sep = sep "---:|---:|" }
  print md > mdf; print sep > mdf
  for (i = 1; i <= nt; i++) {
    t = T[i]
    rps = med(L[t SUBSEP "rps"]); x = med(L[t SUBSEP "xdirect"]); cpu = med(L[t SUBSEP "cpu"]); bcpu = med(L[t SUBSEP "bcpu"])
    rx = med(L[t SUBSEP "rps_xnginx"]); cx = med(L[t SUBSEP "cpu_xnginx"]); RX[t] = rx; CX[t] = cx
    printf "%s\"%s\":{\"req_per_s\":%s,\"ratio_to_direct\":%s,\"req_per_s_ratio_to_nginx\":%s,\"cpu_ratio_to_nginx\":%s,\"proxy_cpu_us_per_req\":%s,\"backend_cpu_us_per_req\":%s,\"start_to_first_200_ms\":%s,\"rss_idle_kib\":%s,\"rss_after_kib\":%s,\"wrk_rounds\":[%s],\"fixed_rate\":{", (i > 1 ? "," : ""), t, num(rps, "%.0f"), num(x, "%.3f"), num(rx, "%.3f"), num(cx, "%.3f"), num(cpu, "%.2f"), num(bcpu, "%.2f"), num(SM[t], "%d"), num(RI[t], "%d"), num(RL[t], "%d"), csv(L[t SUBSEP "rps"]) > jsonf
    line = sprintf("| %s | %s | %s | %s |", t, cell(rps, "%.0f"), cell(x, "%.2f"), cell(cpu, "%.1f"))
    for (j = 1; j <= nr; j++) {
      k = t SUBSEP RT[j]
      ach = med(L[k SUBSEP "ach"]); p50 = med(L[k SUBSEP "p50"]); p99 = med(L[k SUBSEP "p99"]); p999 = med(L[k SUBSEP "p999"]); fc = med(L[k SUBSEP "cpu"]); xn = med(L[t SUBSEP RT[j] SUBSEP "xnginx"])
      printf "%s\"%s\":{\"achieved_req_per_s\":%s,\"p50_ms\":%s,\"p99_ms\":%s,\"p999_ms\":%s,\"p99_ratio_to_nginx\":%s,\"proxy_cpu_us_per_req\":%s}", (j > 1 ? "," : ""), RT[j], num(ach, "%.0f"), num(p50, "%.3f"), num(p99, "%.3f"), num(p999, "%.3f"), num(xn, "%.2f"), num(fc, "%.2f") > jsonf
      flag = (ach != "" && ach < 0.95 * RT[j]) ? sprintf(" (only %.0f/s)", ach) : ""
      line = line sprintf(" %s / %s / %s%s | %s |", cell(p50, "%.2f"), cell(p99, "%.2f"), cell(p999, "%.2f"), flag, cell(xn, "%.2f"))
      FR[t, RT[j]] = p99
    }
    printf "}}" > jsonf
    print line > mdf
    RPS[t] = rps; CPU[t] = cpu; XN[t] = x
  }
  printf "}" > jsonf
  # spread of the per-round ratios, and allocation
  printf ",\"ratios\":{" > jsonf
  print "" > mdf
  print "Ratios: median of the per-round ratios (min–max over the rounds):" > mdf
  print "" > mdf
  hdr = "| ratio | req/s | CPU per request |"; sep = "|---|---:|---:|"; blank = ""
  for (j = 1; j <= nr && j <= 2; j++) { hdr = hdr " p99 @" RT[j] "/s |"; sep = sep "---:|"; blank = blank " |" }
  print hdr > mdf
  print sep > mdf
  first = 1
  for (i = 1; i <= nt; i++) {
    t = T[i]
    if (t == "direct" || t == "nginx") continue
    printf "%s\"%s_vs_nginx\":{\"req_per_s\":%s,\"cpu_per_req\":%s", (first ? "" : ","), t, jspread(L[t SUBSEP "rps_xnginx"]), jspread(L[t SUBSEP "cpu_xnginx"]) > jsonf
    line = sprintf("| %s ÷ nginx | %s | %s |", t, spread(L[t SUBSEP "rps_xnginx"], "%.2f"), spread(L[t SUBSEP "cpu_xnginx"], "%.2f"))
    for (j = 1; j <= nr && j <= 2; j++) {
      printf ",\"p99_at_%s\":%s", RT[j], jspread(L[t SUBSEP RT[j] SUBSEP "xnginx"]) > jsonf
      line = line sprintf(" %s |", spread(L[t SUBSEP RT[j] SUBSEP "xnginx"], "%.2f"))
    }
    printf "}" > jsonf
    print line > mdf
    first = 0
  }
  if (L["keel" SUBSEP "rps_xhaproxy"] != "") {
    printf "%s\"keel_vs_haproxy\":{\"req_per_s\":%s,\"cpu_per_req\":%s}", (first ? "" : ","), jspread(L["keel" SUBSEP "rps_xhaproxy"]), jspread(L["keel" SUBSEP "cpu_xhaproxy"]) > jsonf
    printf "| keel ÷ haproxy | %s | %s |%s\n", spread(L["keel" SUBSEP "rps_xhaproxy"], "%.2f"), spread(L["keel" SUBSEP "cpu_xhaproxy"], "%.2f"), blank > mdf
  }
  printf "}" > jsonf
  alloc = ENVIRON["ALLOC"]; ralloc = ENVIRON["ALLOC_ROUTED"]
  printf ",\"keel_alloc_bytes_per_req\":%s,\"keel_routed_alloc_bytes_per_req\":%s", (alloc == "" ? "null" : alloc), (ralloc == "" ? "null" : ralloc) > jsonf
  if (alloc != "") printf "\nkeel-proxy allocation: %s bytes per request on its event loop(s) (JFR jdk.ThreadAllocationStatistics over one extra wrk run)\n", alloc > mdf
  if (ralloc != "") printf "keel-routed allocation: %s bytes per request, the same way\n", ralloc > mdf
  # issue 18: keel-proxy with routes and N services against the single-service keel-proxy, same run
  if (L["routed_xkeel"] != "") {
    xr = med(L["routed_xkeel"]); g = xr >= 0.95
    printf ",\"routing\":{\"services\":%d,\"req_per_s_vs_keel\":%s,\"cpu_per_req_vs_keel\":%s,\"overhead_met\":%s}", ENVIRON["ROUTED"], jspread(L["routed_xkeel"]), jspread(L["routed_cpu_xkeel"]), (g ? "true" : "false") > jsonf
    print "" > mdf
    printf "Routing (issue 18), keel-routed (%d service(s) behind one listener) against keel (one service), median of per-round ratios (min–max):\n", ENVIRON["ROUTED"] > mdf
    printf "- req/s: %s × keel; CPU/req: %s × keel\n", spread(L["routed_xkeel"], "%.3f"), spread(L["routed_cpu_xkeel"], "%.3f") > mdf
    printf "- overhead ≤ 5 %% req/s (≥ 0.95 × keel): %s\n", (g ? "met" : "MISSED") > mdf
  }
  # goals of issue #16 for keel-proxy, against nginx and HAProxy measured in the same run
  if (("keel" in RPS) && ("nginx" in RPS) && RX["keel"] != "" && CX["keel"] != "") {
    g1 = RX["keel"] >= 1.05; g2 = CX["keel"] <= 0.95
    printf ",\"goals\":{\"req_per_s_vs_nginx\":%.3f,\"req_per_s_met\":%s,\"cpu_per_req_vs_nginx\":%.3f,\"cpu_per_req_met\":%s", RX["keel"], g1 ? "true" : "false", CX["keel"], g2 ? "true" : "false" > jsonf
    print "" > mdf
    print "Goals (issue #16), keel-proxy against nginx and HAProxy in this run (medians of per-round ratios):" > mdf
    printf "- req/s ≥ 1.05 × nginx: %.2f × nginx → %s\n", RX["keel"], g1 ? "met" : "MISSED" > mdf
    printf "- CPU/req ≤ 0.95 × nginx: %.2f × nginx → %s\n", CX["keel"], g2 ? "met" : "MISSED" > mdf
    for (j = 1; j <= nr; j++) {
      xn = med(L["keel" SUBSEP RT[j] SUBSEP "xnginx"])
      if (xn == "") continue
      printf ",\"p99_at_%s_vs_nginx\":%.3f,\"p99_at_%s_met\":%s", RT[j], xn, RT[j], (xn <= 1.2 ? "true" : "false") > jsonf
      printf "- p99 @%s/s ≤ 1.2 × nginx: %.2f × nginx → %s\n", RT[j], xn, (xn <= 1.2 ? "met" : "MISSED") > mdf
    }
    xh = med(L["keel" SUBSEP "rps_xhaproxy"])
    if (xh != "") {
      printf ",\"req_per_s_vs_haproxy\":%.3f,\"req_per_s_vs_haproxy_met\":%s", xh, (xh >= 1 ? "true" : "false") > jsonf
      printf "- req/s ≥ HAProxy: %.2f × HAProxy → %s\n", xh, (xh >= 1 ? "met" : "MISSED") > mdf
    }
    printf "}" > jsonf
  }
  print "}" > jsonf
}' "$CSV"

{
  echo
  echo "Ratios are medians of per-round ratios; req/s, CPU and latencies are medians over rounds."
  echo "Proxy CPU = utime+stime of the proxy process(es) from /proc over the wrk run ÷ requests."
  echo "Load average: start $LOAD_START, end $LOAD_END. Workers: $WORKERS. Pinning: $PIN."
  echo "nginx $V_NGINX, HAProxy $V_HAPROXY, wrk $V_WRK, $V_H2LOAD, $V_JAVA; keel JVM: $KEEL_JVM_OPTS; keel jar: ${KEEL_JAR_INFO:-not run}"
  ((ROUTED > 0)) && echo "Requests: GET /svc-K/, K = 0..$((ROUTED - 1)) in turn, to every target (--routed $ROUTED; keel-routed's config: logs/keel-routed.yaml)."
  [[ -n $ROUTED_NOTE ]] && echo "WARNING: $ROUTED_NOTE"
  for k in "${!SKIPPED[@]}"; do echo "SKIPPED $k: ${SKIPPED[$k]}"; done
} >>"$OUT/summary.md"

echo
cat "$OUT/summary.md"
echo
log "raw: $OUT/raw.csv  summary: $OUT/summary.json  $OUT/summary.md"
