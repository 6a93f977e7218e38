package dev.keel.proxy.admin;

import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.tcp.ConnectionSpread;
import dev.keel.proxy.upstream.Backend;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The meters of one running listener and of its backends, bound to those objects and removed with
 * them. Micrometer hands back the meter already registered under a name and tags, so a meter left
 * behind by a listener or backend that is gone would keep reading the old object for whatever
 * replaces it (a listener a reload rebuilt, an instance that re-registered under the same id): the
 * meters of what left are removed before those of what came are added ({@link #syncBackends}, and
 * {@link ProxyMetrics} retires a listener's before registering its replacement's).
 *
 * <p>Not thread-safe: used under {@link ProxyMetrics}'s lock, at scrape time.
 */
final class ListenerMeters {
  private final MeterRegistry registry;
  private final RunningListener listener;
  private final List<Meter> own = new ArrayList<>();
  /** Meters of each backend of an http listener, by backend (one per balancer endpoint, compared by identity). */
  private final IdentityHashMap<Backend, List<Meter>> backends = new IdentityHashMap<>();
  /** Meters of each backend of a tcp listener, by instance id (read from the listener's connection shares). */
  private final Map<String, List<Meter>> shares = new HashMap<>();

  ListenerMeters(MeterRegistry registry, RunningListener l) {
    this.registry = registry;
    this.listener = l;
    Tags t = Tags.of("listener", l.config().name(), "service", l.config().service());
    own.add(FunctionCounter.builder("keel_proxy_requests", l, x -> x.stats().requests()).tags(t)
        .description("requests received").register(registry));
    own.add(FunctionCounter.builder("keel_proxy_rejected", l, x -> x.stats().rejected()).tags(t)
        .description("requests refused as malformed or not allowed").register(registry));
    own.add(FunctionCounter.builder("keel_proxy_upstream_errors", l, x -> x.stats().upstreamErrors()).tags(t)
        .description("502, 503 and 504 answered by the proxy").register(registry));
    own.add(FunctionCounter.builder("keel_proxy_retries", l, x -> x.stats().retries()).tags(t)
        .description("requests retried on another instance").register(registry));
    own.add(Gauge.builder("keel_proxy_client_connections", l, x -> x.stats().connections()).tags(t)
        .description("open client connections").register(registry));
    own.add(FunctionCounter.builder("keel_proxy_connections_refused", l, x -> x.gate().refused()).tags(t)
        .description("client connections closed at accept: max-connections reached, or the descriptor reserve")
        .register(registry));
    own.add(FunctionCounter.builder("keel_proxy_tls_renegotiations_refused", l, x -> x.tls().renegotiationsRefused())
        .tags(t).description("client connections closed because they started a TLS renegotiation").register(registry));
    own.add(Gauge.builder("keel_proxy_stale", l, x -> x.picker().stale() ? 1 : 0).tags(t)
        .description("1 while the backends are not confirmed by a live registry (the last known ones are served)")
        .register(registry));
    if ("http".equals(l.config().protocol())) {
      own.add(Gauge.builder("keel_proxy_tunnels", l, x -> x.stats().tunnels()).tags(t)
          .description("open WebSocket tunnels").register(registry));
      own.add(FunctionCounter.builder("keel_proxy_tunnel_sheds", l, x -> x.stats().tunnelSheds()).tags(t)
          .description("WebSocket tunnels closed with 1012 by rebalancing").register(registry));
    }
    if (l instanceof ConnectionSpread spread) {
      ConnectionSpreadMetrics.register(registry, spread, t, own);
    }
  }

  /** Brings the backend meters in line with the listener's members now: those gone removed, new ones added. */
  void syncBackends() {
    if (listener instanceof ConnectionSpread spread) {
      Map<String, ConnectionSpread.BackendShare> now = new HashMap<>();
      for (ConnectionSpread.BackendShare b : spread.shares()) {
        now.put(b.id(), b);
      }
      removeGone(shares, now.keySet());
      for (ConnectionSpread.BackendShare b : now.values()) {
        if (!shares.containsKey(b.id())) {
          shares.put(b.id(), ConnectionSpreadMetrics.registerBackend(registry, listener.config().name(), spread, b));
        }
      }
      return;
    }
    Set<Backend> now = Collections.newSetFromMap(new IdentityHashMap<>());
    now.addAll(listener.picker().backends());
    removeGone(backends, now);
    for (Backend b : now) {
      if (!backends.containsKey(b)) {
        backends.put(b, registerBackend(b));
      }
    }
  }

  private List<Meter> registerBackend(Backend b) {
    Tags t = Tags.of("listener", listener.config().name(), "backend", b.id(), "address", b.addressText());
    return List.of(
        FunctionCounter.builder("keel_proxy_backend_requests", b, Backend::requests).tags(t).register(registry),
        FunctionCounter.builder("keel_proxy_backend_failures", b, Backend::failures).tags(t).register(registry),
        Gauge.builder("keel_proxy_backend_inflight", b, Backend::inflight).tags(t).register(registry),
        Gauge.builder("keel_proxy_backend_connections", b, Backend::connections).tags(t).register(registry),
        Gauge.builder("keel_proxy_backend_healthy", b, x -> x.healthy() ? 1 : 0).tags(t).register(registry));
  }

  private <K> void removeGone(Map<K, List<Meter>> metered, Set<K> live) {
    for (Iterator<Map.Entry<K, List<Meter>>> it = metered.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<K, List<Meter>> e = it.next();
      if (!live.contains(e.getKey())) {
        e.getValue().forEach(registry::remove);
        it.remove();
      }
    }
  }

  /** Removes every meter of the listener and its backends: it was retired. */
  void remove() {
    own.forEach(registry::remove);
    own.clear();
    removeGone(backends, Set.of());
    removeGone(shares, Set.of());
  }
}
