#!/usr/bin/env bash
# HTTP/2 and gRPC reverse-proxy benchmark (issue 17), side by side, in one run:
#   h2c:  h2load (prior knowledge) through keel-proxy vs nginx (`listen ... http2`) vs HAProxy
#         (`bind ... proto h2`), each proxying to the same HTTP/1.1 nginx backend;
#   grpc: grpc-java unary calls (benchmarks' GrpcLoad) through keel-proxy (upstream.protocol: h2c)
#         vs HAProxy (`proto h2` both sides), to 2 grpc-java echo servers (GrpcEchoServers).
# Rounds are interleaved (every target once per round, in rotated order); medians are reported.
# See benchmarks/proxy/README.md. Loopback only; configs and logs live in a temp dir; every
# process it starts is stopped on exit (also on Ctrl-C).
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/../.." && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"
# shellcheck source=grpc-lib.sh
source "$SCRIPT_DIR/grpc-lib.sh"

usage() {
  cat <<EOF
usage: benchmarks/proxy/run-h2.sh [options]
  --workers N          worker processes/threads/event loops of every proxy (default 1)
  --rounds N           interleaved repetitions (default 3, max 10)
  --duration S         seconds per measurement (default 10, max 60)
  --clients N          h2load connections (default 16); --streams M concurrent streams each (default 16)
  --grpc-channels N    GrpcLoad channels (default 4); --grpc-concurrency C calling threads (default 32)
  --grpc-client-warmup S  uncounted calls before each GrpcLoad window, in its own JVM, so the load
                       client's JIT compilation is not measured (default 5; 0 = none)
  --targets LIST       subset of h2c-keel,h2c-nginx,h2c-haproxy,grpc-keel,grpc-haproxy (default all)
  --keel-warmup S      JIT warm-up of keel-proxy per protocol before round 1 (default 20)
  --keel-jar PATH      default proxy-server/target/keel-proxy.jar
  --out DIR            results directory (default benchmarks/proxy/results/h2-<timestamp>)
  --no-install         never apt-get install missing tools
env: KEEL_JVM_OPTS (default "$DEFAULT_KEEL_JVM_OPTS"), JAVA (default java)
Needs: proxy-server/target/keel-proxy.jar and, for grpc-*, the benchmarks module built
(mvn -pl benchmarks -am package -DskipTests).
EOF
}

DEFAULT_KEEL_JVM_OPTS=$UNIT_JVM_OPTS # the systemd unit of docs/operations.md
run_defaults "$DEFAULT_KEEL_JVM_OPTS"
WORKERS=1; ROUNDS=3; DURATION=10; CLIENTS=16; STREAMS=16; GRPC_CHANNELS=4; GRPC_CONCURRENCY=32; GRPC_CLIENT_WARMUP=5; KEEL_WARMUP=20
TARGETS=h2c-keel,h2c-nginx,h2c-haproxy,grpc-keel,grpc-haproxy
while (($#)); do
  case $1 in
    --workers) WORKERS=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --clients) CLIENTS=$2; shift ;;
    --streams) STREAMS=$2; shift ;;
    --grpc-channels) GRPC_CHANNELS=$2; shift ;;
    --grpc-concurrency) GRPC_CONCURRENCY=$2; shift ;;
    --grpc-client-warmup) GRPC_CLIENT_WARMUP=$2; shift ;;
    --targets) TARGETS=$2; shift ;;
    --keel-warmup) KEEL_WARMUP=$2; shift ;;
    *) common_option "$@"; shift $((OPTION_WORDS - 1)) ;;
  esac
  shift
done
isnum "$WORKERS" 1 64 || die "--workers must be 1..64"
isnum "$ROUNDS" 1 10 || die "--rounds must be 1..10"
isnum "$DURATION" 1 60 || die "--duration must be 1..60"
isnum "$CLIENTS" 1 1000 || die "--clients must be 1..1000"
isnum "$STREAMS" 1 1000 || die "--streams must be 1..1000"
isnum "$GRPC_CHANNELS" 1 100 || die "--grpc-channels must be 1..100"
isnum "$GRPC_CONCURRENCY" 1 1000 || die "--grpc-concurrency must be 1..1000"
isnum "$GRPC_CLIENT_WARMUP" 0 60 || die "--grpc-client-warmup must be 0..60"
isnum "$KEEL_WARMUP" 0 300 || die "--keel-warmup must be 0..300"
IFS=, read -r -a TARGET_LIST <<<"$TARGETS"
for t in "${TARGET_LIST[@]}"; do
  case $t in h2c-keel|h2c-nginx|h2c-haproxy|grpc-keel|grpc-haproxy) ;; *) die "unknown target: $t" ;; esac
done
wants() { [[ ,$TARGETS, == *",$1,"* ]]; }
wants_prefix() { [[ ,$TARGETS, == *",$1-"* ]]; }

ensure_tools nginx:nginx haproxy:haproxy h2load:nghttp2-client
[[ -f $KEEL_JAR ]] || die "$KEEL_JAR not found (build proxy-server first: mvn -pl proxy-server -am package -DskipTests)"
init_run h2 conf cfg yaml
private_jar "$KEEL_JAR" "$WORK"
declare -A PORT=() PID=() SKIPPED=() RESULTS=()

# --- backends -------------------------------------------------------------------------
if wants_prefix h2c; then nginx_backend; fi
GRPC_CP=""
if wants_prefix grpc; then grpc_classpath; start_grpc_servers; fi

# --- proxies --------------------------------------------------------------------------
start_nginx() {
  PORT[h2c-nginx]=$(free_port)
  { echo "worker_processes $WORKERS;"; nginx_common nginx; echo "http {"; nginx_http_common; cat <<EOF
  http2_max_concurrent_streams 128;
  upstream bench { server 127.0.0.1:$B1; server 127.0.0.1:$B2; keepalive 256; keepalive_requests 100000000; }
  server {
    listen 127.0.0.1:${PORT[h2c-nginx]} http2 backlog=4096;
    location / {
      proxy_pass http://bench; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for; proxy_set_header X-Forwarded-Proto \$scheme;
    }
  }
}
EOF
  } >"$WORK/nginx.conf"
  start_bg nginx "$WORK/logs/nginx.out" "${SERVER_PREFIX[@]}" nginx -p "$WORK" -e "$WORK/logs/nginx-error.log" -c "$WORK/nginx.conf" -g 'daemon off;'
  PID[h2c-nginx]=$PID_nginx
  wait_port "${PORT[h2c-nginx]}" 10 "$PID_nginx"
}

start_haproxy() {
  PORT[h2c-haproxy]=$(free_port); PORT[grpc-haproxy]=$(free_port)
  { haproxy_head "$WORKERS"; cat <<EOF
frontend h2c
  bind 127.0.0.1:${PORT[h2c-haproxy]} proto h2
  option forwardfor
  default_backend http1
backend http1
  balance roundrobin
  server b1 127.0.0.1:${B1:-1}
  server b2 127.0.0.1:${B2:-1}
frontend grpc
  bind 127.0.0.1:${PORT[grpc-haproxy]} proto h2
  default_backend grpc
backend grpc
  balance roundrobin
  server g1 ${G1:-127.0.0.1:1} proto h2
  server g2 ${G2:-127.0.0.1:1} proto h2
EOF
  } >"$WORK/haproxy.cfg"
  haproxy -c -q -f "$WORK/haproxy.cfg" >&2 || die "haproxy config invalid"
  start_bg haproxy "$WORK/logs/haproxy.out" "${SERVER_PREFIX[@]}" haproxy -db -f "$WORK/haproxy.cfg"
  PID[h2c-haproxy]=$PID_haproxy; PID[grpc-haproxy]=$PID_haproxy
  wait_port "${PORT[h2c-haproxy]}" 10 "$PID_haproxy"
}

# start_keel_h2c / start_keel_grpc : one keel-proxy per protocol (a listener's instances come from
# the registry, and the two kinds of backend are two lists).
start_keel_h2c() {
  PORT[h2c-keel]=$(free_port); local admin; admin=$(free_port)
  # shellcheck disable=SC2086
  start_bg keel_h2c "$WORK/logs/keel-h2c.out" "${SERVER_PREFIX[@]}" "$JAVA" $KEEL_JVM_OPTS -jar "$KEEL_JAR_COPY" \
    --listen "127.0.0.1:${PORT[h2c-keel]}" --registry "static://127.0.0.1:$B1,127.0.0.1:$B2" \
    --service bench --workers "$WORKERS" --admin "127.0.0.1:$admin"
  PID[h2c-keel]=$PID_keel_h2c
  wait_port "${PORT[h2c-keel]}" 60 "$PID_keel_h2c" || { stop_pid "$PID_keel_h2c"; return 1; }
}
start_keel_grpc() {
  PORT[grpc-keel]=$(free_port); local admin; admin=$(free_port)
  keel_grpc_yaml "$WORK/keel-grpc.yaml" "${PORT[grpc-keel]}" "$admin" "$WORKERS"
  if ! "$JAVA" -jar "$KEEL_JAR_COPY" check "$WORK/keel-grpc.yaml" >"$WORK/logs/keel-grpc-check.out" 2>&1; then
    SKIPPED[grpc-keel]="keel-proxy refuses the config (upstream.protocol: h2c): $(grep -v '^\s*$' "$WORK/logs/keel-grpc-check.out" | tail -1 | cut -c1-200)"
    return 0
  fi
  # shellcheck disable=SC2086
  start_bg keel_grpc "$WORK/logs/keel-grpc.out" "${SERVER_PREFIX[@]}" "$JAVA" $KEEL_JVM_OPTS -jar "$KEEL_JAR_COPY" \
    --config "$WORK/keel-grpc.yaml"
  PID[grpc-keel]=$PID_keel_grpc
  wait_port "${PORT[grpc-keel]}" 60 "$PID_keel_grpc" || { stop_pid "$PID_keel_grpc"; return 1; }
}

if wants h2c-nginx; then retry3 start_nginx || SKIPPED[h2c-nginx]="nginx did not start"; fi
if wants h2c-haproxy || wants grpc-haproxy; then retry3 start_haproxy || { SKIPPED[h2c-haproxy]="haproxy did not start"; SKIPPED[grpc-haproxy]=${SKIPPED[h2c-haproxy]}; }; fi
if wants h2c-keel; then retry3 start_keel_h2c || SKIPPED[h2c-keel]="keel-proxy did not start; see logs/keel-h2c.out"; fi
if wants grpc-keel; then retry3 start_keel_grpc || SKIPPED[grpc-keel]="keel-proxy did not start; see logs/keel-grpc.out"; fi

# --- load -----------------------------------------------------------------------------
# measure TARGET SECONDS OUTFILE : one measurement; prints req/s (or RPC/s), empty on failure.
measure() {
  local t=$1 secs=$2 outf=$3
  case $t in
    h2c-*)
      run_client "$outf" "${CLIENT_PREFIX[@]}" h2load -t 1 -c "$CLIENTS" -m "$STREAMS" -D "$secs" \
        "http://127.0.0.1:${PORT[$t]}/" || true
      # "requests: N total, N started, N done, N succeeded, N failed, ..." - count failures too
      local failed; failed=$(sed -n 's/^requests: .* \([0-9]*\) failed.*/\1/p' "$outf")
      [[ ${failed:-1} == 0 ]] || { log "$t: h2load reports ${failed:-?} failed requests"; return 0; }
      sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' "$outf" ;;
    grpc-*)
      local calls; calls=$(grpc_load "$outf" "${PORT[$t]}" "$secs" "$GRPC_CHANNELS" "$GRPC_CONCURRENCY" "$GRPC_CLIENT_WARMUP")
      [[ -n $calls ]] && sed -n 's/^RPCs ok .* \([0-9.]*\) RPC\/s$/\1/p' "$outf" ;;
  esac
}

ACTIVE=()
for t in "${TARGET_LIST[@]}"; do
  if [[ -n ${SKIPPED[$t]:-} ]]; then log "skipping $t: ${SKIPPED[$t]}"; else ACTIVE+=("$t"); fi
done
((${#ACTIVE[@]} > 0)) || die "no target could be started"

if ((KEEL_WARMUP > 0)); then
  for t in "${ACTIVE[@]}"; do
    [[ $t == *-keel ]] || continue
    log "warming up $t for ${KEEL_WARMUP}s (not recorded)"
    measure "$t" "$KEEL_WARMUP" "$WORK/logs/warmup-$t.out" >/dev/null
  done
fi

for ((r = 1; r <= ROUNDS; r++)); do
  n=${#ACTIVE[@]}
  for ((k = 0; k < n; k++)); do
    t=${ACTIVE[$(((k + r - 1) % n))]}
    v=$(measure "$t" "$DURATION" "$OUT/round$r-$t.txt")
    log "round $r $t: ${v:-failed}"
    RESULTS[$t]+="${v:-0} "
  done
done

# --- summary --------------------------------------------------------------------------
# ratio_row A B : A ÷ B round by round (the two were measured in the same round), their median and range.
ratio_row() {
  [[ -n ${RESULTS[$1]:-} && -n ${RESULTS[$2]:-} ]] || return 0
  local -a a b; local r per=() med
  read -r -a a <<<"${RESULTS[$1]}"; read -r -a b <<<"${RESULTS[$2]}"
  for ((r = 0; r < ${#a[@]} && r < ${#b[@]}; r++)); do
    per+=("$(awk -v x="${a[$r]}" -v y="${b[$r]}" 'BEGIN { printf "%.2f", (y > 0 ? x / y : 0) }')")
  done
  med=$(printf '%s\n' "${per[@]}" | median)
  echo "| $1 ÷ $2 | $(printf '%.2f' "$med") ($(printf '%s\n' "${per[@]}" | sort -n | head -1)–$(printf '%s\n' "${per[@]}" | sort -n | tail -1)) | ${per[*]} |"
}

{
  echo "# HTTP/2 and gRPC through proxies, $STARTED_AT"
  echo
  echo "loopback, $WORKERS worker(s) each, $ROUNDS interleaved rounds of ${DURATION}s; load average at start: $LOAD_START, at end: $(loadavg)"
  echo "h2load -t 1 -c $CLIENTS -m $STREAMS (h2c prior knowledge) to an HTTP/1.1 nginx backend; GrpcLoad --channels $GRPC_CHANNELS --concurrency $GRPC_CONCURRENCY --warmup ${GRPC_CLIENT_WARMUP}s, unary, to 2 grpc-java servers"
  echo "keel-proxy: $KEEL_JAR_INFO; JVM: $KEEL_JVM_OPTS"
  echo
  echo "| target | median | rounds |"
  echo "|---|---:|---|"
  for t in "${TARGET_LIST[@]}"; do
    if [[ -n ${SKIPPED[$t]:-} ]]; then echo "| $t | skipped | ${SKIPPED[$t]} |"; continue; fi
    med=$(tr ' ' '\n' <<<"${RESULTS[$t]}" | grep -v '^$' | median)
    unit=req/s; [[ $t == grpc-* ]] && unit=RPC/s
    echo "| $t | ${med:-n/a} $unit | ${RESULTS[$t]}|"
  done
  echo
  echo "| ratio (median of the per-round ratios, min–max) | value | per round |"
  echo "|---|---:|---|"
  ratio_row h2c-keel h2c-nginx
  ratio_row h2c-keel h2c-haproxy
  ratio_row grpc-keel grpc-haproxy
  echo
  echo "Goals (issue 17): h2c-keel >= h2c-nginx; grpc-keel >= 0.9 x grpc-haproxy, as medians of the per-round ratios. A round that failed counts 0."
} >"$OUT/summary.md"
cat "$OUT/summary.md"
