package dev.keel.proxy.routing;

import dev.keel.proxy.config.RouteConfig;

/**
 * One configured route of a listener with its counters, as {@code /status}, {@code /metrics} and the
 * dashboard show it; a snapshot.
 *
 * @param requests requests (tcp: connections) the route matched
 * @param rejected of those, refused by the proxy as the client's fault (a placeholder gave an
 *     invalid service name: 400)
 * @param upstreamErrors of those, answered 502/503/504 by the proxy (tcp: closed unconnected)
 * @param retries tries on another instance
 */
public record RouteView(String name, RouteConfig config, long requests, long rejected, long upstreamErrors,
    long retries) {}
