# shellcheck shell=bash
# Shared helpers for benchmarks/proxy/run-*.sh. Sourced, not executed.
# Everything here talks to 127.0.0.1 only and writes only below $WORK (a temp dir).

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
# isnum VALUE MIN MAX: VALUE is a whole number within MIN..MAX.
isnum() { [[ $1 =~ ^[0-9]+$ ]] && (($1 >= $2 && $1 <= $3)); }

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

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# --- ports ------------------------------------------------------------------------------
ALLOCATED_PORTS=" "
# local ports of every TCP socket (any state), hex
used_ports() {
  awk 'NR > 1 { split($2, a, ":"); print a[2] }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
# free_port : a loopback TCP port no socket uses, below the kernel's ephemeral range (so that the
# source port of some client connection cannot take it between our check and the server's bind).
# Bounded: 300 tries.
free_port() {
  local used p hex i lo=32768 span
  read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  ((lo > 12000)) || lo=32768
  span=$((lo - 1 - 10000))
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

# retry3 FUNCTION : servers that fail to start (typically: their port was taken by another
# program since free_port looked) are retried on new ports, 3 attempts in all.
retry3() {
  local i
  for i in 1 2 3; do
    "$1" && return 0
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
