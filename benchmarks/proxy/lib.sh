# shellcheck shell=bash
# Shared helpers for benchmarks/proxy/run-*.sh. Sourced, not executed.
# Everything here talks to 127.0.0.1 only and writes only below $WORK (a temp dir).

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
# isnum VALUE MIN MAX: VALUE is a whole number within MIN..MAX.
isnum() { [[ $1 =~ ^[0-9]+$ ]] && (($1 >= $2 && $1 <= $3)); }

# The JVM flags of the systemd unit in docs/operations.md, which every script runs keel-proxy with
# unless KEEL_JVM_OPTS says otherwise: the benchmarks run what users run. Why ParallelGC:
# docs/operations.md, "Sizing".
# shellcheck disable=SC2034  # used by the sourcing scripts
UNIT_JVM_OPTS="-Xms256m -Xmx256m -XX:MaxDirectMemorySize=256m -XX:+UseParallelGC"

# --- packages ---------------------------------------------------------------------------
# ensure_tools "cmd:debian-package" ... : installs the missing ones with apt-get when root.
ensure_tools() {
  local missing_pkgs=() spec cmd pkg
  for spec in "$@"; do
    cmd=${spec%%:*}; pkg=${spec#*:}
    command -v "$cmd" >/dev/null 2>&1 || missing_pkgs+=("$pkg")
  done
  ((${#missing_pkgs[@]} == 0)) && return 0
  if [[ ${NO_INSTALL:-0} == 1 ]]; then die "missing: ${missing_pkgs[*]} (and --no-install given)"; fi
  if [[ $(id -u) -ne 0 ]]; then die "missing: ${missing_pkgs[*]}; run as root or: apt-get install -y ${missing_pkgs[*]}"; fi
  log "installing Debian packages: ${missing_pkgs[*]}"
  # policy-rc.d-less containers may try to start the services the packages ship; we never use
  # them (all our instances run from a temp dir) and stop nothing that we did not start.
  timeout 600 apt-get update -qq >&2 || die "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}" >&2 \
    || die "apt-get install ${missing_pkgs[*]} failed"
  for spec in "$@"; do
    cmd=${spec%%:*}
    command -v "$cmd" >/dev/null 2>&1 || die "$cmd still missing after install"
  done
}

# --- processes we start -----------------------------------------------------------------
STARTED_PIDS=()
# start_bg NAME LOGFILE CMD... : starts CMD in the background (own pid recorded for cleanup).
start_bg() {
  local name=$1 logf=$2; shift 2
  "$@" >"$logf" 2>&1 &
  local pid=$!
  STARTED_PIDS+=("$pid")
  eval "PID_${name}=$pid"
  log "started $name (pid $pid): $*"
}

# stop_pid PID : TERM, wait up to 5 s, then KILL. Only ever called on pids we started.
stop_pid() {
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null || true; return 0; }
    sleep 0.1
  done
  local c
  for c in $(children_of "$pid"); do kill -KILL "$c" 2>/dev/null || true; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# run_client OUTFILE CMD... : runs a load generator in the background and waits for it. A
# foreground command would make bash defer the INT/TERM trap until it ends (and not run it at all
# when the command exits normally); `wait` is interrupted by a trapped signal at once.
CURRENT_CLIENT=""
run_client() {
  local outf=$1 rc=0; shift
  "$@" >"$outf" 2>&1 &
  CURRENT_CLIENT=$!
  wait "$CURRENT_CLIENT" || rc=$?
  CURRENT_CLIENT=""
  return "$rc"
}

stop_all() {
  local i
  if [[ -n $CURRENT_CLIENT ]]; then kill -TERM "$CURRENT_CLIENT" 2>/dev/null || true; CURRENT_CLIENT=""; fi
  for ((i = ${#STARTED_PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${STARTED_PIDS[i]}"; done
  STARTED_PIDS=()
}

# children_of PID : direct children (from /proc, no procps needed).
children_of() {
  local parent=$1 f rest
  for f in /proc/[0-9]*/stat; do
    rest=$(cat "$f" 2>/dev/null) || continue
    rest=${rest##*) }            # fields after "(comm) "
    set -- $rest                 # $1 state, $2 ppid
    [[ ${2:-} == "$parent" ]] && { f=${f#/proc/}; echo "${f%/stat}"; }
  done
  return 0
}

# cpu_ticks PID... : utime+stime (clock ticks) summed over the given processes; the value of a
# thread-group leader already includes all its threads.
cpu_ticks() {
  local total=0 p rest
  for p in "$@"; do
    rest=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    rest=${rest##*) }
    set -- $rest                 # $12 utime, $13 stime (fields 14 and 15 of stat)
    total=$((total + ${12} + ${13}))
  done
  echo "$total"
}
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)

# haproxy_head THREADS : the global and defaults sections every HAProxy config here starts with
# (HTTP mode, keep-alive both ways, idle connections to servers shared); more defaults may follow.
haproxy_head() {
  printf '%s\n' global "  nbthread $1" "  maxconn 4096" defaults "  mode http" "  option http-keep-alive" \
    "  http-reuse always" "  timeout connect 5s" "  timeout client 300s" "  timeout server 300s"
}

# median_rows RAW COL... : a markdown row per target in TARGETS with the median over the rounds of
# each column COL of RAW (a tsv: round, target, values...; "-" where a value was not counted).
median_rows() {
  local raw=$1 t col m row; shift
  for t in "${TARGETS[@]}"; do
    row="| $t"
    for col in "$@"; do
      m=$(awk -F'\t' -v t="$t" -v c="$col" 'NR > 1 && $2 == t && $c != "-" { print $c }' "$raw" | median)
      row+=" | ${m:--}"
    done
    echo "$row |"
  done
}

# ratio_lines RAW : per target, each round's task-clock (column 5 of RAW) divided by keel0's.
ratio_lines() {
  awk -F'\t' 'NR > 1 { tc[$1, $2] = $5; if (!($2 in seen)) { seen[$2] = 1; order[++n] = $2 } if ($1 > last) last = $1 }
    END { for (i = 1; i <= n; i++) { t = order[i]; if (t == "keel0") continue; line = "- " t " ÷ keel0 task-clock:"
            for (r = 1; r <= last; r++) if (tc[r, "keel0"] > 0 && tc[r, t] != "-") line = line sprintf(" %.3f", tc[r, t] / tc[r, "keel0"]); print line } }' "$1"
}
# cpu_utime / cpu_stime PID... : user / system clock ticks summed over the processes (/proc/PID/stat)
cpu_field() {
  local f=$1 total=0 p rest; shift
  for p in "$@"; do
    rest=$(cat "/proc/$p/stat" 2>/dev/null) || continue
    rest=${rest##*) }
    # shellcheck disable=SC2086
    set -- $rest
    total=$((total + ${!f}))
  done
  echo "$total"
}
cpu_utime() { cpu_field 12 "$@"; }
cpu_stime() { cpu_field 13 "$@"; }

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# --- ports ------------------------------------------------------------------------------
ALLOCATED_PORTS=" "
# local ports of every TCP socket (any state), hex
used_ports() {
  awk 'NR > 1 { split($2, a, ":"); print a[2] }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
# free_port : a loopback TCP port no socket uses, in [10000, 20000): below the kernel's ephemeral
# range (so that the source port of some client connection cannot take it between our check and
# the server's bind) and below the band the test suites pick from (test-support's RestartablePort,
# [20000, 32000)), so a benchmark and a test run at the same time never race for a port.
# Bounded: 300 tries.
free_port() {
  local used p hex i lo=32768 span
  read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  ((lo > 12000)) || lo=32768
  ((lo < 20000)) || lo=20000
  span=$((lo - 10000))
  used=" $(used_ports | sort -u | tr '\n' ' ') "
  for ((i = 0; i < 300; i++)); do
    p=$((10000 + (RANDOM * 32768 + RANDOM) % span))
    printf -v hex '%04X' "$p"
    [[ $used == *" $hex "* || $ALLOCATED_PORTS == *" $p "* ]] && continue
    ALLOCATED_PORTS+="$p "
    echo "$p"; return 0
  done
  die "no free port found"
}

# retry3 FUNCTION [ARG...] : servers that fail to start (typically: their port was taken by another
# program since free_port looked) are retried on new ports, 3 attempts in all.
retry3() {
  local i
  for i in 1 2 3; do
    "$@" && return 0
    ((i < 3)) && log "$1 failed (attempt $i of 3); retrying on other ports"
  done
  return 1
}

# wait_port PORT SECONDS [PID] : until something accepts on 127.0.0.1:PORT; fails early if PID died.
wait_port() {
  local port=$1 secs=$2 pid=${3:-} i
  for ((i = 0; i < secs * 10; i++)); do
    if [[ -n $pid ]] && ! kill -0 "$pid" 2>/dev/null; then return 2; fi
    if timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  return 1
}

# http_status PORT [PATH] : status code of one HTTP/1.1 GET to 127.0.0.1:PORT (no curl needed).
http_status() {
  local port=$1 path=${2:-/}
  timeout 5 bash -c '
    exec 3<>/dev/tcp/127.0.0.1/'"$port"' || exit 1
    printf "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" "'"$path"'" >&3
    IFS=" " read -r _ code _ <&3 && echo "$code"' 2>/dev/null || echo 000
}

# --- scaffolding of a run ---------------------------------------------------------------
# run_defaults JVM_OPTS : the defaults of the settings every run-*.sh has; KEEL_JVM_OPTS and JAVA
# may come from the environment. Before the options are parsed.
# shellcheck disable=SC2034  # the variables set here are the sourcing script's
run_defaults() {
  KEEL_JAR=$REPO_DIR/proxy-server/target/keel-proxy.jar; OUT=""; NO_INSTALL=0
  KEEL_JVM_OPTS=${KEEL_JVM_OPTS:-$1}
  JAVA=${JAVA:-java}
}

# common_option "$@" : the options every run-*.sh takes (--keel-jar PATH, --out DIR, --no-install,
# -h|--help); anything else is an unknown option. For the last branch of the script's own
# `case $1`; sets OPTION_WORDS to how many words it took, for the caller to shift.
OPTION_WORDS=1
# shellcheck disable=SC2034  # the variables set here are the sourcing script's
common_option() {
  OPTION_WORDS=1
  case $1 in
    --keel-jar) KEEL_JAR=$2; OPTION_WORDS=2 ;;
    --out) OUT=$2; OPTION_WORDS=2 ;;
    --no-install) NO_INSTALL=1 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
}

# init_run NAME EXT... : WORK, a temp dir with logs/ and tmp/ (nginx's temp paths); OUT, --out or
# results/NAME-<timestamp>, made absolute; LOAD_START and STARTED_AT for the summary. On exit (also
# Ctrl-C) every process we started is stopped and logs/ and the configs (*.EXT) are kept in
# $OUT/logs: the temp dir itself is removed.
RUN_CONFIG_EXTS=()
# shellcheck disable=SC2034,SC2154  # SCRIPT_DIR is the sourcing script's, LOAD_START/STARTED_AT are for it
init_run() {
  RUN_CONFIG_EXTS=("${@:2}")
  WORK=$(mktemp -d "/tmp/keel-bench-$1.XXXXXX")
  mkdir -p "$WORK/tmp" "$WORK/logs"
  : "${OUT:=$SCRIPT_DIR/results/$1-$(date +%Y%m%d-%H%M%S)}"
  mkdir -p "$OUT"
  OUT=$(cd "$OUT" && pwd)
  trap end_run EXIT
  trap 'log "interrupted"; exit 130' INT TERM
  LOAD_START=$(loadavg)
  STARTED_AT=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  log "load average at start: $LOAD_START; results in $OUT"
}
end_run() {
  local rc=$? ext keep=()
  trap - EXIT INT TERM
  stop_all
  if [[ -d $WORK ]]; then
    for ext in "${RUN_CONFIG_EXTS[@]}"; do keep+=("$WORK"/*."$ext"); done
    mkdir -p "$OUT/logs" 2>/dev/null && cp -r "$WORK/logs/." "${keep[@]}" "$OUT/logs/" 2>/dev/null || true
    rm -rf "$WORK"
  fi
  exit "$rc"
}

# --- nginx ------------------------------------------------------------------------------
# nginx_common NAME : main-context lines of an nginx instance whose pid file and error log are NAME's.
nginx_common() {
  cat <<EOF
pid $WORK/$1.pid;
error_log $WORK/logs/$1-error.log warn;
events { worker_connections 8192; multi_accept off; }
worker_rlimit_nofile 16384;
EOF
}
# nginx_http_common : http-context lines: no access log, temp files in $WORK/tmp, endless keep-alive.
nginx_http_common() {
  cat <<EOF
  access_log off;
  client_body_temp_path $WORK/tmp/body; proxy_temp_path $WORK/tmp/proxy;
  fastcgi_temp_path $WORK/tmp/fastcgi; uwsgi_temp_path $WORK/tmp/uwsgi; scgi_temp_path $WORK/tmp/scgi;
  keepalive_requests 100000000; keepalive_timeout 300s;
EOF
}

# start_nginx_backend : the backend the HTTP benchmarks proxy to, one nginx instance (pid PID_backend,
# ${BACKEND_WORKERS:-1} workers, on SERVER_CPUS when pinned) answering `200 ok` on two free ports,
# B1 and B2. Returns 1 (stopped again) when it does not listen within 10 s: for retry3.
start_nginx_backend() {
  B1=$(free_port); B2=$(free_port)
  {
    echo "worker_processes ${BACKEND_WORKERS:-1};"
    nginx_common backend
    echo "http {"
    nginx_http_common
    cat <<EOF
  default_type text/plain;
  server {
    listen 127.0.0.1:$B1 backlog=4096;
    listen 127.0.0.1:$B2 backlog=4096;
    location / { return 200 "ok"; }
  }
}
EOF
  } >"$WORK/backend.conf"
  start_bg backend "$WORK/logs/backend.out" "${SERVER_PREFIX[@]}" nginx -p "$WORK" -e "$WORK/logs/backend-error.log" -c "$WORK/backend.conf" -g 'daemon off;'
  # shellcheck disable=SC2154  # PID_backend is set by start_bg
  if ! { wait_port "$B1" 10 "$PID_backend" && wait_port "$B2" 10 "$PID_backend"; }; then
    log "backend did not start: $(tail -3 "$WORK/logs/backend-error.log" 2>/dev/null)"; stop_pid "$PID_backend"; return 1
  fi
}
# nginx_backend : start_nginx_backend, on other ports if need be, and dies unless both answer 200.
nginx_backend() {
  retry3 start_nginx_backend || die "backend did not start"
  [[ $(http_status "$B1") == 200 && $(http_status "$B2") == 200 ]] || die "backend does not answer 200"
}

# nginx_proxy_conf FILE PORT WORKERS [http2] : the nginx reverse proxy every HTTP benchmark compares
# keel-proxy with: WORKERS workers, listening on 127.0.0.1:PORT, balancing over the backend's B1 and
# B2 with kept-alive upstream connections, setting Host and X-Forwarded-For/-Proto/-Host as
# keel-proxy does.
nginx_proxy_conf() {
  local file=$1 port=$2 workers=$3
  {
    echo "worker_processes $workers;"
    nginx_common nginx
    echo "http {"
    nginx_http_common
    cat <<EOF
  upstream bench {
    server 127.0.0.1:$B1;
    server 127.0.0.1:$B2;
    keepalive 256;
    keepalive_requests 100000000;
    keepalive_timeout 300s;
  }
  server {
    listen 127.0.0.1:$port ${4:-} backlog=4096;
    location / {
      proxy_pass http://bench;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_set_header X-Forwarded-Host \$host;
    }
  }
}
EOF
  } >"$file"
}

# --- CPU pinning ------------------------------------------------------------------------
# PIN=none: no pinning. PIN=split: load generator on CLIENT_CPUS, every server (backends,
# proxies, iperf3 server) on SERVER_CPUS.
# Use as: "${CLIENT_PREFIX[@]}" wrk ...  /  start_bg NAME LOG "${SERVER_PREFIX[@]}" nginx ...
# (a prefix, not a function, so that $! is the server's own pid: taskset execs it).
CLIENT_PREFIX=(); SERVER_PREFIX=()
setup_pinning() {
  local n; n=$(nproc)
  case $PIN in
    none) ;;
    split)
      command -v taskset >/dev/null || die "--pin split needs taskset (util-linux)"
      ((n >= 2)) || die "--pin split needs at least 2 CPUs"
      CLIENT_CPUS=${CLIENT_CPUS:-0}
      SERVER_CPUS=${SERVER_CPUS:-1-$((n - 1))}
      CLIENT_PREFIX=(taskset -c "$CLIENT_CPUS"); SERVER_PREFIX=(taskset -c "$SERVER_CPUS")
      ;;
    *) die "--pin must be none or split" ;;
  esac
}

# private_jar SRC DESTDIR : copies the jar to DESTDIR/keel-proxy.jar (KEEL_JAR_COPY) so that a
# rebuild during the run (`mvn package` rewrites it in place) cannot break the running JVM's
# lazy class loading. KEEL_JAR_INFO gets "built <mtime> sha256:<prefix>" of what was copied.
KEEL_JAR_COPY=""; KEEL_JAR_INFO=""
private_jar() {
  KEEL_JAR_COPY=$2/keel-proxy.jar
  cp "$1" "$KEEL_JAR_COPY"
  KEEL_JAR_INFO="built $(date -u -r "$1" +%Y-%m-%dT%H:%M:%SZ) sha256:$(sha256sum "$KEEL_JAR_COPY" | cut -c1-12)"
}

# median of numbers on stdin (empty -> empty)
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) exit; if (NR % 2) print a[(NR + 1) / 2]; else printf "%.6g\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
