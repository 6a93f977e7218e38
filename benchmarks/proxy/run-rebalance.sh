#!/usr/bin/env bash
# Long-connection rebalancing (issue #9), scaled: 10 echo backends, 2,000 long-lived client
# connections that reconnect when closed, a rolling restart of every backend, then 30 s of
# observation — through keel-proxy (protocol: tcp, rebalancing with its defaults) and through
# HAProxy (mode tcp, balance leastconn), one after the other. Reports the spread over time and the
# reconnects. Loopback only; bounded in time; every process it starts is stopped on exit.
# The scenario itself is dev.keel.benchmarks.proxy.RebalanceScenario (plain NIO, in the benchmarks
# module); this script builds its classpath, installs haproxy when missing (root, apt) and runs it.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_DIR=$(cd "$SCRIPT_DIR/../.." && pwd)
# shellcheck source=lib.sh
source "$SCRIPT_DIR/lib.sh"

usage() {
  cat <<USAGE
usage: benchmarks/proxy/run-rebalance.sh [options]
  --targets LIST     comma separated subset of keel,haproxy (default keel,haproxy)
  --backends N       default 10
  --connections N    default 2000
  --workers N        keel-proxy event loops / HAProxy threads (default 1)
  --observe S        seconds observed after the last restart (default 30, max 120)
  --keel-jar PATH    default proxy-server/target/keel-proxy.jar
  --out DIR          results directory (default benchmarks/proxy/results/rebalance-<timestamp>)
  --no-install       never apt-get install haproxy
env: KEEL_JVM_OPTS (default "$UNIT_JVM_OPTS", the systemd unit of docs/operations.md), JAVA (default java)
USAGE
}

TARGETS=keel,haproxy; BACKENDS=10; CONNECTIONS=2000; WORKERS=1; OBSERVE=30; OUT=""; NO_INSTALL=0
KEEL_JAR=$REPO_DIR/proxy-server/target/keel-proxy.jar
KEEL_JVM_OPTS=${KEEL_JVM_OPTS:-$UNIT_JVM_OPTS}
JAVA=${JAVA:-java}
ORIG_ARGS="$*"
while (($#)); do
  case $1 in
    --targets) TARGETS=$2; shift ;;
    --backends) BACKENDS=$2; shift ;;
    --connections) CONNECTIONS=$2; shift ;;
    --workers) WORKERS=$2; shift ;;
    --observe) OBSERVE=$2; shift ;;
    --keel-jar) KEEL_JAR=$2; shift ;;
    --out) OUT=$2; shift ;;
    --no-install) NO_INSTALL=1 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
  shift
done
isnum "$BACKENDS" 2 50 || die "--backends must be 2..50"
isnum "$CONNECTIONS" 1 8000 || die "--connections must be 1..8000"
isnum "$WORKERS" 1 64 || die "--workers must be 1..64"
isnum "$OBSERVE" 1 120 || die "--observe must be 1..120"
IFS=, read -r -a TARGET_LIST <<<"$TARGETS"
for t in "${TARGET_LIST[@]}"; do
  case $t in keel|haproxy) ;; *) die "unknown target: $t" ;; esac
done
[[ " ${TARGET_LIST[*]} " == *" haproxy "* ]] && ensure_tools haproxy:haproxy
if [[ " ${TARGET_LIST[*]} " == *" keel "* && ! -f $KEEL_JAR ]]; then
  die "$KEEL_JAR not found (build it: mvn -B -o -pl proxy-server package -DskipTests)"
fi
# clients + backends in one JVM: 2 fds per connection, plus the proxy's own
ulimit -n 65536 2>/dev/null || true

: "${OUT:=$SCRIPT_DIR/results/rebalance-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d /tmp/keel-bench-rebalance.XXXXXX)
trap 'rc=$?; trap - EXIT INT TERM; stop_all; rm -rf "$WORK"; exit $rc' EXIT INT TERM
if [[ " ${TARGET_LIST[*]} " == *" keel "* ]]; then
  private_jar "$KEEL_JAR" "$WORK"   # a rebuild during the run cannot touch the running jar
  log "keel-proxy jar: $KEEL_JAR ($KEEL_JAR_INFO)"
fi

log "compiling the benchmarks module and writing its classpath"
(cd "$REPO_DIR" && timeout 600 mvn -B -o -q -pl benchmarks compile dependency:build-classpath \
  -Dmdep.outputFile=target/classpath.txt >"$OUT/build.log" 2>&1) || die "build failed: see $OUT/build.log"
CP="$REPO_DIR/benchmarks/target/classes:$(cat "$REPO_DIR/benchmarks/target/classpath.txt")"

# restart: 10 × 4 s; connect ≤ 60 s; observe; start/stop: bounded by this timeout per target
PER_TARGET=$((BACKENDS * 4 + OBSERVE + 150))
for t in "${TARGET_LIST[@]}"; do
  log "scenario through $t: $BACKENDS backends, $CONNECTIONS connections, rolling restart, ${OBSERVE} s observed (load $(loadavg))"
  run_client "$OUT/$t.log" timeout "$PER_TARGET" "$JAVA" -Xms512m -Xmx512m -cp "$CP" \
    dev.keel.benchmarks.proxy.RebalanceScenario --target "$t" --backends "$BACKENDS" --connections "$CONNECTIONS" \
    --workers "$WORKERS" --observe "$OBSERVE" --keel-jar "${KEEL_JAR_COPY:-$KEEL_JAR}" --jvm "$KEEL_JVM_OPTS" --out "$OUT" \
    || die "$t scenario failed: see $OUT/$t.log"
  cat "$OUT/$t-summary.json"
done

{
  echo "# rebalance $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "command: benchmarks/proxy/run-rebalance.sh $ORIG_ARGS"
  [[ -n $KEEL_JAR_INFO ]] && echo "keel-proxy jar: $KEEL_JAR_INFO"
  echo "load at end: $(loadavg)"
  echo
  echo "| target | after the restart (per backend) | minimum moves | end (per backend) | max ÷ share | min ÷ share | CV | closes during restart | closes after | cut mid-request after |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for t in "${TARGET_LIST[@]}"; do
    python3 - "$OUT/$t-summary.json" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
print(f"| {s['target']} | {s['afterRestart']} | {s['minMovesAfterRestart']} | {s['end']} | {s['endMaxOverShare']:.2f} | "
      f"{s['endMinOverShare']:.2f} | {s['endCv']:.3f} | {s['closesDuringRestart']} | {s['closesAfterLastRestart']} | "
      f"{s['cutMidRequestAfterLastRestart']} |")
PY
  done
} | tee "$OUT/summary.md"
log "results in $OUT"
