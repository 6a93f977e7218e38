#!/usr/bin/env bash
# gRPC setup shared by run-h2.sh and grpc-cpu.sh: the benchmarks module's grpc-java echo servers
# (GrpcEchoServers), keel-proxy's gRPC listener (upstream.protocol: h2c) and the GrpcLoad client.
# Sourced after lib.sh; needs REPO_DIR, WORK, JAVA and, for start_bg, SERVER_PREFIX/CLIENT_PREFIX
# (arrays, may be empty).

# grpc_classpath : sets GRPC_CP to the benchmarks module's classes and dependencies (mvn -o).
grpc_classpath() {
  [[ -d $REPO_DIR/benchmarks/target/classes ]] || die "benchmarks/target/classes missing (mvn -pl benchmarks -am package -DskipTests)"
  log "resolving the benchmarks module's classpath (mvn -o)"
  (cd "$REPO_DIR" && mvn -o -q -pl benchmarks dependency:build-classpath -Dmdep.outputFile="$WORK/classpath.txt" >"$WORK/logs/classpath.out" 2>&1) \
    || die "cannot resolve the benchmarks classpath; see $WORK/logs/classpath.out"
  GRPC_CP="$REPO_DIR/benchmarks/target/classes:$(cat "$WORK/classpath.txt")"
}

# start_grpc_servers : 2 grpc-java echo servers in one JVM; sets G1 and G2 (host:port).
start_grpc_servers() {
  local i addrs
  start_bg grpc_servers "$WORK/logs/grpc-servers.out" "${SERVER_PREFIX[@]}" "$JAVA" -Xmx256m -cp "$GRPC_CP" \
    dev.keel.benchmarks.grpc.GrpcEchoServers --registry memory://bench --service echo --count 2 --duration 3600s
  for ((i = 0; i < 300; i++)); do
    grep -q '^serving ' "$WORK/logs/grpc-servers.out" 2>/dev/null && break
    kill -0 "$PID_grpc_servers" 2>/dev/null || die "grpc echo servers exited: $(tail -3 "$WORK/logs/grpc-servers.out")"
    sleep 0.1
  done
  addrs=$(sed -n 's/^serving echo at \([^ ]*\) .*/\1/p' "$WORK/logs/grpc-servers.out")
  [[ -n $addrs ]] || die "grpc echo servers did not report their addresses"
  IFS=, read -r G1 G2 <<<"$addrs"
  log "grpc echo servers at $G1 and $G2"
}

# keel_grpc_yaml FILE PORT ADMIN_PORT WORKERS : keel-proxy's config for the gRPC listener.
keel_grpc_yaml() {
  cat >"$1" <<YAML
registry: static://$G1,$G2
admin: { listen: 127.0.0.1:$3 }
workers: $4
listeners:
  - name: grpc
    listen: 127.0.0.1:$2
    service: echo
    upstream: { protocol: h2c }
YAML
}

# grpc_load OUTFILE PORT SECONDS CHANNELS CONCURRENCY [WARMUP] : one GrpcLoad window (unary calls)
# against 127.0.0.1:PORT, after WARMUP seconds (default 0) of uncounted calls in the same client JVM;
# prints the RPCs that succeeded in the window, nothing when any failed (warm-up included).
grpc_load() {
  local outf=$1 failed
  run_client "$outf" "${CLIENT_PREFIX[@]}" "$JAVA" -Xmx512m -cp "$GRPC_CP" dev.keel.benchmarks.grpc.GrpcLoad \
    --target "dns:///127.0.0.1:$2" --lb pick_first --channels "$4" --concurrency "$5" --duration "${3}s" \
    --warmup "${6:-0}s" || true
  failed=$(sed -n 's/^RPCs ok [0-9]*  failed \([0-9]*\).*/\1/p' "$outf")
  [[ ${failed:-1} == 0 ]] || { log "GrpcLoad on port $2 reports ${failed:-?} failed RPCs"; return 0; }
  sed -n 's/^RPCs ok \([0-9]*\) .*/\1/p' "$outf"
}
