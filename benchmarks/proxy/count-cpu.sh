#!/usr/bin/env bash
# CPU per proxied request, counted by the kernel rather than inferred from throughput, so that two
# builds of keel-proxy (and nginx beside them) can be compared on a machine that other work keeps
# busy: `perf stat -p` over one wrk window per target, divided by the requests wrk completed.
# Counts task-clock (CPU time of the proxy's threads/processes) always, and instructions and cycles
# when the CPU's counters are visible (they are not in many VMs: then "-"); system calls (all, and
# epoll_ctl alone) per request, exact however busy the machine is. Also user and system time from
# /proc. Targets are interleaved round by round: nginx, then each --keel-jar in turn, the order turned
# by one each round so that no target is always measured first. Also the CPU
# of the peers in the same window (wrk and the backend nginx, task-clock per request): a proxy that
# looks cheaper only because the kernel now does part of its work in a peer's context (io_uring's
# completions, for one) shows it there.
# System calls are also counted by kind, with io_uring's submissions by operation (kinds.tsv): on
# io_uring a receive or a send is a submission queue entry, not a system call, and a loop turn is
# an io_uring_enter where on epoll it is an epoll_wait. --h2c loads every target with HTTP/2 clients
# instead (h2load prior knowledge, 16 connections x 16 streams, as run-h2.sh's h2c targets; nginx
# with an `http2` listener), to the same HTTP/1.1 backend.
# Loopback only; every process it starts is stopped on exit.
#
#   benchmarks/proxy/count-cpu.sh --keel-jar before.jar --keel-jar after.jar --rounds 5
#   benchmarks/proxy/count-cpu.sh --h2c --keel-jar k.jar --jvm "... -Dkeel.proxy.transport=io_uring" --keel-jar k.jar
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/../.." && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

usage() {
  cat <<EOF
usage: benchmarks/proxy/count-cpu.sh [--keel-jar PATH]... [--rounds N] [--duration S]
                                     [--connections N] [--warmup S] [--workers N] [--no-nginx] [--out DIR]
                                     [--h2c [--streams M]]
  --keel-jar PATH  a keel-proxy jar to measure; repeat to compare builds (default
                   proxy-server/target/keel-proxy.jar)
  --jvm OPTS       JVM options of the --keel-jar before it (default: KEEL_JVM_OPTS); the same
                   jar twice with two --jvm compares JVM settings
  --rounds N       interleaved rounds (default 5)   --duration S  seconds per window (default 8)
  --warmup S       JIT warm-up of each keel at full load before round 1 (default 20)
  --h2c            HTTP/2 clients: h2load -t1 -c N -m M (prior knowledge; --connections default 16,
                   --streams M default 16) instead of wrk -t1 -cN (default 64); nginx listens http2
env: KEEL_JVM_OPTS (default "$UNIT_JVM_OPTS", the systemd unit of docs/operations.md, as run-http.sh), JAVA
EOF
}

JARS=(); JVMS=(); ROUNDS=5; DURATION=8; CONNS=""; STREAMS=16; WARMUP=20; WORKERS=1; NGINX=1; H2C=0
run_defaults "$UNIT_JVM_OPTS"
while (($#)); do
  case $1 in
    --keel-jar) JARS+=("$2"); JVMS+=(""); shift ;;
    --jvm) ((${#JARS[@]})) || die "--jvm comes after the --keel-jar it is for"; JVMS[${#JARS[@]} - 1]=$2; shift ;;
    --rounds) ROUNDS=$2; shift ;;
    --duration) DURATION=$2; shift ;;
    --connections) CONNS=$2; shift ;;
    --warmup) WARMUP=$2; shift ;;
    --workers) WORKERS=$2; shift ;;
    --no-nginx) NGINX=0 ;;
    --h2c) H2C=1 ;;
    --streams) STREAMS=$2; shift ;;
    *) common_option "$@"; shift $((OPTION_WORDS - 1)) ;;
  esac
  shift
done
((${#JARS[@]})) || { JARS=("$KEEL_JAR"); JVMS=(""); }
for i in "${!JVMS[@]}"; do [[ -n ${JVMS[i]} ]] || JVMS[i]=$KEEL_JVM_OPTS; done
isnum "$ROUNDS" 1 20 || die "--rounds: $ROUNDS (expected: 1..20)"
isnum "$DURATION" 2 60 || die "--duration: $DURATION (expected: 2..60)"
[[ -n $CONNS ]] || { ((H2C)) && CONNS=16 || CONNS=64; }
isnum "$STREAMS" 1 1000 || die "--streams: $STREAMS (expected: 1..1000)"
isnum "$CONNS" 1 10000 || die "--connections: $CONNS (expected: 1..10000)"
isnum "$WARMUP" 0 300 || die "--warmup: $WARMUP (expected: 0..300)"
isnum "$WORKERS" 1 64 || die "--workers: $WORKERS (expected: 1..64)"
for j in "${JARS[@]}"; do [[ -f $j ]] || die "--keel-jar: $j not found"; done
ensure_tools nginx:nginx wrk:wrk perf:linux-perf
((H2C)) && ensure_tools h2load:nghttp2-client
init_run count-cpu conf

nginx_backend
BACKEND_PIDS=$(echo "$PID_backend $(children_of "$PID_backend")" | xargs | tr ' ' ',')
declare -A PORT=() PIDS=() LABEL=()
TARGETS=()
if ((NGINX)); then
  PORT[nginx]=$(free_port)
  listen_opt=""; if ((H2C)); then listen_opt=http2; fi
  nginx_proxy_conf "$WORK/nginx.conf" "${PORT[nginx]}" "$WORKERS" "$listen_opt" # as run-http.sh / run-h2.sh
  start_bg nginx "$WORK/logs/nginx.out" nginx -p "$WORK" -e "$WORK/logs/nginx-error.log" -c "$WORK/nginx.conf" -g 'daemon off;'
  wait_port "${PORT[nginx]}" 10 "$PID_nginx" || die "nginx proxy did not start"
  # shellcheck disable=SC2154
  PIDS[nginx]="$PID_nginx $(children_of "$PID_nginx" | tr '\n' ' ')"
  LABEL[nginx]="nginx $(nginx -v 2>&1 | sed 's/.*\///')"
  TARGETS+=(nginx)
fi
for i in "${!JARS[@]}"; do
  t=keel$i
  cp "${JARS[i]}" "$WORK/$t.jar"
  PORT[$t]=$(free_port)
  # shellcheck disable=SC2086
  start_bg "$t" "$WORK/logs/$t.out" "$JAVA" ${JVMS[i]} -jar "$WORK/$t.jar" --listen "127.0.0.1:${PORT[$t]}" \
    --registry "static://127.0.0.1:$B1,127.0.0.1:$B2" --service bench --workers "$WORKERS" --admin "127.0.0.1:$(free_port)"
  pid_var=PID_$t
  PIDS[$t]=${!pid_var}
  LABEL[$t]="${JARS[i]} (sha256:$(sha256sum "${JARS[i]}" | cut -c1-12)), JVM: ${JVMS[i]}"
  for ((k = 0; k < 300; k++)); do [[ $(http_status "${PORT[$t]}") == 200 ]] && break; sleep 0.2; done
  [[ $(http_status "${PORT[$t]}") == 200 ]] || die "$t does not answer 200: $(tail -5 "$WORK/logs/$t.out")"
  TARGETS+=("$t")
done
# load OUTFILE SECONDS TARGET [PREFIX...] : one window of the load generator (PREFIX wraps it: perf stat)
load() {
  local outf=$1 secs=$2 t=$3; shift 3
  if ((H2C)); then
    run_client "$outf" timeout $((secs + 30)) "$@" h2load -t 1 -c "$CONNS" -m "$STREAMS" -D "$secs" "http://127.0.0.1:${PORT[$t]}/"
  else
    run_client "$outf" timeout $((secs + 30)) "$@" wrk -t1 -c"$CONNS" -d"${secs}s" "http://127.0.0.1:${PORT[$t]}/"
  fi
}
# requests done, req/s, and requests that failed or waited over 2 s (wrk's timeouts; h2load's failed,
# which include the errored), of a load window's output
load_figures() {
  if ((H2C)); then
    # requests: N total, N started, N done, N succeeded, N failed, N errored, N timeout
    awk '/^requests: / { ok = $8; failed = $10 } /^finished in / { rps = $4 }
      END { printf "%d %s %d\n", ok, rps, failed }' "$1"
  else
    awk '/ requests in / { n = $1 } /^Requests\/sec:/ { rps = $2 } /Socket errors:/ { to = $NF }
      END { printf "%d %s %d\n", n, rps, to }' "$1"
  fi
}
for t in "${TARGETS[@]}"; do
  [[ $t == nginx ]] && continue
  log "warm-up of $t: ${WARMUP} s"
  ((WARMUP > 0)) && load "$WORK/logs/warmup-$t.txt" "$WARMUP" "$t"
done

# System calls by kind and io_uring submissions by operation (the opcodes of linux/io_uring.h that
# Netty uses for sockets), counted in the same window; perf prints one line per event, in this order.
KIND_NAMES=(io_uring_enter epoll_wait epoll_pwait epoll_pwait2 writev write sendto recvfrom read
  sqe_all sqe_recv sqe_write sqe_writev sqe_send poll_arm)
KIND_EVENTS=(-e syscalls:sys_enter_io_uring_enter -e syscalls:sys_enter_epoll_wait -e syscalls:sys_enter_epoll_pwait
  -e syscalls:sys_enter_epoll_pwait2 -e syscalls:sys_enter_writev -e syscalls:sys_enter_write -e syscalls:sys_enter_sendto
  -e syscalls:sys_enter_recvfrom -e syscalls:sys_enter_read -e io_uring:io_uring_submit_req
  -e io_uring:io_uring_submit_req --filter 'opcode == 27' -e io_uring:io_uring_submit_req --filter 'opcode == 23'
  -e io_uring:io_uring_submit_req --filter 'opcode == 2' -e io_uring:io_uring_submit_req --filter 'opcode == 26'
  -e io_uring:io_uring_poll_arm)
KINDS=$OUT/kinds.tsv
{ printf 'round\ttarget'; printf '\t%s_per_req' "${KIND_NAMES[@]}"; echo; } >"$KINDS"
RAW=$OUT/raw.tsv
echo -e "round\ttarget\trequests\treq_per_s\ttask_clock_us_per_req\tuser_us_per_req\tsys_us_per_req\tinstructions_per_req\tcycles_per_req\tsyscalls_per_req\tepoll_ctl_per_req\tpeers_task_clock_us_per_req\twrk_timeouts" >"$RAW"
N_TARGETS=${#TARGETS[@]}
for ((r = 1; r <= ROUNDS; r++)); do
  # the order turns by one every round, as in run-http.sh: in a fixed order the targets measured
  # later in a round came out dearer than the first (two jars listed old, new, old, new on a quiet
  # machine, 2026-12-07 23:00: 20.3, 21.3, 22.6, 22.8 µs/request), which favours whichever is listed first
  order=()
  for ((i = 0; i < N_TARGETS; i++)); do order+=("${TARGETS[(i + r - 1) % N_TARGETS]}"); done
  for t in "${order[@]}"; do
    pids=$(echo "${PIDS[$t]}" | xargs | tr ' ' ',')
    # shellcheck disable=SC2086
    u0=$(cpu_utime ${PIDS[$t]}); s0=$(cpu_stime ${PIDS[$t]})
    perf stat -x, -e task-clock,instructions,cycles,raw_syscalls:sys_enter,syscalls:sys_enter_epoll_ctl -p "$pids" -o "$WORK/perf-$t-$r.csv" -- sleep $((DURATION + 1)) &
    perf_pid=$!; STARTED_PIDS+=("$perf_pid")
    perf stat -x, "${KIND_EVENTS[@]}" -p "$pids" -o "$WORK/kinds-$t-$r.csv" -- sleep $((DURATION + 1)) &
    perf_kinds=$!; STARTED_PIDS+=("$perf_kinds")
    perf stat -x, -e task-clock -p "$BACKEND_PIDS" -o "$WORK/perf-backend-$t-$r.csv" -- sleep $((DURATION + 1)) &
    perf_backend=$!; STARTED_PIDS+=("$perf_backend")
    sleep 0.5
    load "$WORK/logs/load-$t-$r.txt" "$DURATION" "$t" perf stat -x, -e task-clock -o "$WORK/perf-wrk-$t-$r.csv" -- ||
      die "the load generator failed on $t: $(tail -3 "$WORK/logs/load-$t-$r.txt")"
    wait "$perf_pid" || true
    wait "$perf_backend" || true
    wait "$perf_kinds" || true
    peers=$(awk -F, '$3 == "task-clock" { s += $1 } END { printf "%.0f", s * 1000 }' "$WORK/perf-backend-$t-$r.csv" "$WORK/perf-wrk-$t-$r.csv")
    # shellcheck disable=SC2086
    u1=$(cpu_utime ${PIDS[$t]}); s1=$(cpu_stime ${PIDS[$t]})
    # timeouts: requests not answered within wrk's 2 s (a stalled event loop shows here, not in the
    # CPU figures), or h2load's failed requests
    read -r reqs rps timeouts < <(load_figures "$WORK/logs/load-$t-$r.txt")
    ((reqs > 0)) || die "no request done on $t: $(tail -3 "$WORK/logs/load-$t-$r.txt")"
    # the perf window is a little longer than wrk's: the idle proxy's CPU before and after is ~0
    awk -F, -v r="$r" -v t="$t" -v n="$reqs" -v rps="$rps" -v peers="$peers" -v to="$timeouts" -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v hz="$CLK_TCK" '
      $3 == "task-clock" { tc = $1 } $3 == "instructions" { ins = $1 } $3 == "cycles" { cyc = $1 }
      $3 == "raw_syscalls:sys_enter" { sc = $1 } $3 == "syscalls:sys_enter_epoll_ctl" { ec = $1 }
      # the count as perf printed it (a number, or <not supported>), scaled, per request
      function per(v, scale, k) { return (v ~ /^[0-9.]+$/) ? sprintf(k, v * scale / n) : "-" }
      END { printf "%d\t%s\t%d\t%s\t%s\t%.2f\t%.2f\t%s\t%s\t%s\t%s\t%.2f\t%d\n", r, t, n, rps, per(tc, 1000, "%.2f"), u * 1e6 / hz / n, s * 1e6 / hz / n,
        per(ins, 1, "%.0f"), per(cyc, 1, "%.0f"), per(sc, 1, "%.2f"), per(ec, 1, "%.2f"), peers / n, to }
    ' "$WORK/perf-$t-$r.csv" >>"$RAW"
    awk -F, -v r="$r" -v t="$t" -v n="$reqs" '/^[0-9.]+,/ { line = line sprintf("\t%.3f", $1 / n) }
      /^<not/ { line = line "\t-" } END { print r "\t" t line }' "$WORK/kinds-$t-$r.csv" >>"$KINDS"
    log "round $r $t: $(tail -1 "$RAW" | cut -f3-)"
  done
done

SUMMARY=$OUT/summary.md
{
  if ((H2C)); then gen="h2load -t1 -c$CONNS -m$STREAMS -D$DURATION (h2c)"; else gen="wrk -t1 -c$CONNS -d${DURATION}s"; fi
  echo "# count-cpu: $ROUNDS rounds of $gen, $WORKERS worker(s) each, load $LOAD_START at the start, $(loadavg) at the end"
  echo
  for t in "${TARGETS[@]}"; do echo "- $t: ${LABEL[$t]}"; done
  echo
  echo "| target | req/s | task-clock µs/req | user µs/req | sys µs/req | instructions/req | cycles/req | syscalls/req | epoll_ctl/req | peers µs/req |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  median_rows "$RAW" 4 5 6 7 8 9 10 11 12
  echo
  echo "Medians over the rounds; per-round figures in raw.tsv. Peers: task-clock of wrk and the backend"
  echo "nginx in the same window. Ratios per round (first keel = keel0):"
  ratio_lines "$RAW"
  echo
  echo "System calls by kind and io_uring submissions (sqe_*) by operation, per request (medians; kinds.tsv)."
  echo "A loop turn is an io_uring_enter on io_uring, an epoll_wait/epoll_pwait* on epoll; poll_arm: a"
  echo "receive or send submitted when the socket was not ready, armed to wait for it."
  echo
  { printf '| target'; printf ' | %s' "${KIND_NAMES[@]}"; echo ' |'; printf '|---'; printf '|---:%.0s' "${KIND_NAMES[@]}"; echo '|'; }
  median_rows "$KINDS" $(seq 3 $((${#KIND_NAMES[@]} + 2)))
  echo
  if ((H2C)); then echo "h2load failed requests per round:"; else echo "wrk timeouts (requests not answered within 2 s) per round:"; fi
  awk -F'\t' 'NR > 1 { to[$2] = to[$2] " " $13; if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } }
    END { for (i = 1; i <= n; i++) print "- " order[i] ":" to[order[i]] }' "$RAW"
} >"$SUMMARY"
cat "$SUMMARY"
log "results: $OUT"
