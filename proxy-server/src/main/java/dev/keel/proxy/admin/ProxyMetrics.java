package dev.keel.proxy.admin;

import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.tcp.ConnectionSpread;
import dev.keel.proxy.upstream.Backend;
import dev.keel.registry.RegistryClient;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Prometheus metrics read from the listeners' and backends' own counters at scrape time, so the
 * request path pays nothing for them. Backends that appear later are registered at the next scrape.
 * The process's meters ({@link ProcessMeters}) come with them.
 */
final class ProxyMetrics implements AutoCloseable {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ProcessMeters process = new ProcessMeters(registry);
  private final List<RunningListener> listeners;
  private final Set<Backend> registered = new HashSet<>();
  private final Set<RunningListener> registeredListeners = new HashSet<>();
  private final ConnectionSpreadMetrics spread = new ConnectionSpreadMetrics();

  ProxyMetrics(List<RunningListener> listeners) {
    this.listeners = listeners;
  }

  /** Listener meters; called at scrape for each listener not seen before (listeners change on reload). */
  private void register(RunningListener l) {
    Tags t = Tags.of("listener", l.config().name(), "service", l.config().service());
    FunctionCounter.builder("keel_proxy_requests", l, x -> x.stats().requests()).tags(t)
        .description("requests received").register(registry);
    FunctionCounter.builder("keel_proxy_rejected", l, x -> x.stats().rejected()).tags(t)
        .description("requests refused as malformed or not allowed").register(registry);
    FunctionCounter.builder("keel_proxy_upstream_errors", l, x -> x.stats().upstreamErrors()).tags(t)
        .description("502, 503 and 504 answered by the proxy").register(registry);
    FunctionCounter.builder("keel_proxy_retries", l, x -> x.stats().retries()).tags(t)
        .description("requests retried on another instance").register(registry);
    Gauge.builder("keel_proxy_client_connections", l, x -> x.stats().connections()).tags(t)
        .description("open client connections").register(registry);
    FunctionCounter.builder("keel_proxy_connections_refused", l, x -> x.gate().refused()).tags(t)
        .description("client connections closed at accept: max-connections reached, or the descriptor reserve").register(registry);
    FunctionCounter.builder("keel_proxy_tls_renegotiations_refused", l, x -> x.tls().renegotiationsRefused()).tags(t)
        .description("client connections closed because they started a TLS renegotiation").register(registry);
    Gauge.builder("keel_proxy_stale", l, x -> x.picker().stale() ? 1 : 0).tags(t)
        .description("1 while the backends are not confirmed by a live registry (the last known ones are served)")
        .register(registry);
    if ("http".equals(l.config().protocol())) {
      Gauge.builder("keel_proxy_tunnels", l, x -> x.stats().tunnels()).tags(t)
          .description("open WebSocket tunnels").register(registry);
      FunctionCounter.builder("keel_proxy_tunnel_sheds", l, x -> x.stats().tunnelSheds()).tags(t)
          .description("WebSocket tunnels closed with 1012 by rebalancing").register(registry);
    }
    spread.register(registry, l);
  }

  /** Adds the meters of the registry the listeners resolve through. */
  synchronized void registry(RegistryClient client) {
    RegistryStatus.register(registry, client);
  }

  synchronized String scrape() {
    for (RunningListener l : listeners) {
      if (registeredListeners.add(l)) {
        register(l);
      }
    }
    for (RunningListener l : listeners) {
      if (l instanceof ConnectionSpread) {
        continue; // a tcp listener's backends are metered as connection shares (ConnectionSpreadMetrics)
      }
      for (Backend b : l.picker().backends()) {
        if (registered.add(b)) {
          Tags t = Tags.of("listener", l.config().name(), "backend", b.id(), "address", b.addressText());
          FunctionCounter.builder("keel_proxy_backend_requests", b, Backend::requests).tags(t).register(registry);
          FunctionCounter.builder("keel_proxy_backend_failures", b, Backend::failures).tags(t).register(registry);
          Gauge.builder("keel_proxy_backend_inflight", b, Backend::inflight).tags(t).register(registry);
          Gauge.builder("keel_proxy_backend_connections", b, Backend::connections).tags(t).register(registry);
          Gauge.builder("keel_proxy_backend_healthy", b, x -> x.healthy() ? 1 : 0).tags(t).register(registry);
        }
      }
    }
    for (RunningListener l : listeners) {
      spread.registerBackends(registry, l);
    }
    return registry.scrape();
  }

  @Override
  public synchronized void close() {
    process.close();
    registry.close();
  }
}
