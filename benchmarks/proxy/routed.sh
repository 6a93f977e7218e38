# shellcheck shell=bash
# The routed variant of run-http.sh (issue 18): keel-proxy as a gateway with N services behind one
# listener, measured in the same run and with the same requests as the single-service keel-proxy.
# Sourced by run-http.sh after lib.sh.
#
# With --routed N every target gets the same requests: GET /svc-K/ with K = 0..N-1 in turn (wrk: a
# Lua script returning pre-formatted requests; h2load: the N URIs, which it cycles through). The
# backends answer 200 on any path, so direct, nginx, HAProxy and the single-service keel-proxy
# serve them as they serve `/`. keel-routed has the three routes of examples/proxy/gateway.yaml,
# and the requests take the last one: a fixed host route and a wildcard host route that do not
# match (wrk and h2load send Host: 127.0.0.1:PORT), then `path-prefix: /` → `{path.0}` with
# `strip-prefix`: so per request three routes are tried, a name is cut from the path and looked up
# among N open services, and the target is rewritten (with X-Forwarded-Prefix added). Every
# service name resolves to B1 and B2 (a static:// registry answers every name with its list).

ROUTED=0               # services of keel-routed; 0 = no routed variant
WRK_SCRIPT=()          # extra wrk arguments (-s paths.lua) when routed
PROBE_PATH=/           # what wait_200 asks for
ROUTED_ADMIN=""        # keel-routed's admin port

# routed_setup DIR : with ROUTED > 0, writes DIR/paths.lua for wrk and sets WRK_SCRIPT, PROBE_PATH.
routed_setup() {
  ((ROUTED > 0)) || return 0
  cat >"$1/paths.lua" <<EOF
-- GET /svc-0/ .. /svc-$((ROUTED - 1))/ in turn, formatted once per wrk thread
local reqs, n, i = {}, $ROUTED, 0
init = function(args)
  for k = 0, n - 1 do reqs[k + 1] = wrk.format(nil, "/svc-" .. k .. "/") end
end
request = function()
  i = i % n + 1
  return reqs[i]
end
EOF
  WRK_SCRIPT=(-s "$1/paths.lua")
  PROBE_PATH=/svc-0/
}

# target_urls PORT : the URIs h2load cycles through (one line each).
target_urls() {
  if ((ROUTED == 0)); then echo "http://127.0.0.1:$1/"; return; fi
  local k
  for ((k = 0; k < ROUTED; k++)); do echo "http://127.0.0.1:$1/svc-$k/"; done
}

# routed_config FILE PORT ADMIN_PORT WORKERS B1 B2 : keel-routed's config, the gateway.yaml routes.
routed_config() {
  cat >"$1" <<EOF
registry: static://127.0.0.1:$5,127.0.0.1:$6
workers: $4
admin: { listen: "127.0.0.1:$3" }
listeners:
  - name: routed
    listen: 127.0.0.1:$2
    services: { max-services: $((ROUTED > 1000 ? ROUTED : 1000)), idle-timeout: 10m }
    routes:
      - name: api
        host: api.bench.local
        service: bench
      - name: by-host
        host: "*.svc.local"
        service: "{host.0}"
      - name: by-path
        path-prefix: /
        service: "{path.0}"
        strip-prefix: true
EOF
}

# routed_check ADMIN_PORT : after the warm-up, every one of the N services is open in keel-routed
# (all were routed to, none refused); logs what /status says and fails when not.
routed_check() {
  local open
  open=$(timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/'"$1"' && printf "GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n" >&3 && cat <&3' 2>/dev/null \
    | grep -o '"svc-[0-9]*"' | sort -u | wc -l)
  log "keel-routed: $open of $ROUTED services open after the warm-up"
  ((open == ROUTED))
}
