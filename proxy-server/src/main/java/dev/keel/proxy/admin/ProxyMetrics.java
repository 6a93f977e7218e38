package dev.keel.proxy.admin;

import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.routing.OpenService;
import dev.keel.proxy.routing.ServiceDirectory;
import dev.keel.proxy.routing.ServiceEntry;
import dev.keel.proxy.tcp.ConnectionSpread;
import dev.keel.proxy.upstream.Backend;
import dev.keel.proxy.upstream.UpstreamPicker;
import dev.keel.registry.RegistryClient;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;

/**
 * Prometheus metrics read from the listeners', services' and backends' own counters at scrape time,
 * so the request path pays nothing for them. What appears later is registered at the next scrape;
 * what is gone (a backend that left, a service a routed listener closed, a listener a reload
 * replaced) loses its series at the next scrape ({@link OwnedMeters}), so their number stays bounded
 * by what exists. The process's meters ({@link ProcessMeters}) come with them.
 */
final class ProxyMetrics implements AutoCloseable {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ProcessMeters process = new ProcessMeters(registry);
  private final List<RunningListener> listeners;
  private final OwnedMeters owned = new OwnedMeters(registry);

  ProxyMetrics(List<RunningListener> listeners) {
    this.listeners = listeners;
  }

  /** The meters of listener {@code l}: its counters, and its routes' when it has routes. */
  private void register(RunningListener l, List<Meter> out) {
    String service = l.config().service();
    Tags t = Tags.of("listener", l.config().name(), "service", service == null ? "" : service);
    out.add(FunctionCounter.builder("keel_proxy_requests", l, x -> x.stats().requests()).tags(t)
        .description("requests received").register(registry));
    out.add(FunctionCounter.builder("keel_proxy_rejected", l, x -> x.stats().rejected()).tags(t)
        .description("requests refused as malformed or not allowed").register(registry));
    out.add(FunctionCounter.builder("keel_proxy_upstream_errors", l, x -> x.stats().upstreamErrors()).tags(t)
        .description("502, 503 and 504 answered by the proxy").register(registry));
    out.add(FunctionCounter.builder("keel_proxy_retries", l, x -> x.stats().retries()).tags(t)
        .description("requests retried on another instance").register(registry));
    out.add(Gauge.builder("keel_proxy_client_connections", l, x -> x.stats().connections()).tags(t)
        .description("open client connections").register(registry));
    out.add(FunctionCounter.builder("keel_proxy_connections_refused", l, x -> x.gate().refused()).tags(t)
        .description("client connections closed at accept: max-connections reached, or the descriptor reserve").register(registry));
    out.add(FunctionCounter.builder("keel_proxy_tls_renegotiations_refused", l, x -> x.tls().renegotiationsRefused()).tags(t)
        .description("client connections closed because they started a TLS renegotiation").register(registry));
    if (l.config().accessLog() != null) {
      out.add(FunctionCounter.builder("keel_proxy_access_log_dropped", l, RunningListener::accessLogDropped).tags(t)
          .description("access log lines dropped: the queue was full or a write failed").register(registry));
    }
    UpstreamPicker picker = l.picker();
    if (picker != null) {
      out.add(stale(t, picker));
    }
    if ("http".equals(l.config().protocol())) {
      if (!l.config().upstream().protocol().http2()) {
        out.add(Gauge.builder("keel_proxy_tunnels", l, x -> x.stats().tunnels()).tags(t)
            .description("open WebSocket tunnels").register(registry));
        out.add(FunctionCounter.builder("keel_proxy_tunnel_sheds", l, x -> x.stats().tunnelSheds()).tags(t)
            .description("WebSocket tunnels closed with 1012 by rebalancing").register(registry));
      }
      out.add(FunctionCounter.builder("keel_proxy_not_found", l, x -> x.stats().notFound()).tags(t)
          .description("requests no route matched (404)").register(registry));
      ClientHttp2Stats.register(registry, l, t, out);
      UpstreamMetrics.register(registry, l, t, out);
    }
    ServiceDirectory<?> services = l.services();
    if (services != null) {
      RouteMetrics.register(registry, l, services, out);
    }
    if (l instanceof ConnectionSpread spread) {
      ConnectionSpreadMetrics.register(registry, spread, t, out);
    }
  }

  private Gauge stale(Tags t, UpstreamPicker picker) {
    return Gauge.builder("keel_proxy_stale", picker, x -> x.stale() ? 1 : 0).tags(t)
        .description("1 while the backends are not confirmed by a live registry (the last known ones are served)")
        .register(registry);
  }

  /** Adds the meters of the registry the listeners resolve through. */
  synchronized void registry(RegistryClient client) {
    RegistryStatus.register(registry, client);
  }

  synchronized String scrape() {
    for (RunningListener l : listeners) {
      owned.keep(l, meters -> register(l, meters));
      if (l instanceof ConnectionSpread spread) {
        // a tcp listener's backends are metered as connection shares (ConnectionSpreadMetrics)
        shares(l, spread);
        continue;
      }
      UpstreamPicker picker = l.picker();
      String service = l.config().service();
      if (picker != null && service != null) {
        backends(l, service, picker);
      }
      ServiceDirectory<?> services = l.services();
      if (services != null) {
        for (ServiceEntry<?> e : services.entries()) {
          OpenService s = e.service();
          if (s != null) {
            Tags t = Tags.of("listener", l.config().name(), "service", e.name());
            owned.keep(e, meters -> RouteMetrics.service(registry, t, e, s, stale(t, s.picker()), meters));
            backends(l, e.name(), s.picker());
          }
        }
      }
    }
    owned.removeUnseen();
    return registry.scrape();
  }

  /** A tcp listener's one service's backends: their connections and share. */
  private void shares(RunningListener l, ConnectionSpread spread) {
    UpstreamPicker picker = l.picker();
    String service = l.config().service();
    if (picker == null || service == null) {
      return; // with routes: each service's backends show in /status; the listener's spread is its least even one's
    }
    for (Backend b : picker.backends()) {
      owned.keep(b, meters -> ConnectionSpreadMetrics.registerBackend(registry, spread, b.id(),
          Tags.of("listener", l.config().name(), "service", service, "backend", b.id(), "address", b.addressText()), meters));
    }
  }

  private void backends(RunningListener l, String service, UpstreamPicker picker) {
    for (Backend b : picker.backends()) {
      owned.keep(b, meters -> {
        Tags t = Tags.of("listener", l.config().name(), "service", service, "backend", b.id(), "address", b.addressText());
        meters.add(FunctionCounter.builder("keel_proxy_backend_requests", b, Backend::requests).tags(t).register(registry));
        meters.add(FunctionCounter.builder("keel_proxy_backend_failures", b, Backend::failures).tags(t).register(registry));
        meters.add(Gauge.builder("keel_proxy_backend_inflight", b, Backend::inflight).tags(t).register(registry));
        meters.add(Gauge.builder("keel_proxy_backend_connections", b, Backend::connections).tags(t).register(registry));
        meters.add(Gauge.builder("keel_proxy_backend_healthy", b, x -> x.healthy() ? 1 : 0).tags(t).register(registry));
        UpstreamMetrics.registerBackend(registry, l, b, t, meters);
      });
    }
  }

  @Override
  public synchronized void close() {
    process.close();
    registry.close();
  }
}
