package dev.keel.proxy.admin;

import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.tcp.ConnectionSpread;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Prometheus meters of listeners whose connections are balanced (tcp): sheds, max ÷ share, the
 * coefficient of variation, and per backend its connections and share. Read at scrape time; guarded
 * by the caller ({@link ProxyMetrics}, synchronized).
 */
final class ConnectionSpreadMetrics {
  private final Set<String> registered = new HashSet<>();

  /** Registers the listener-level meters of {@code l} when it is a {@link ConnectionSpread}. */
  void register(MeterRegistry registry, RunningListener l, List<Meter> out) {
    if (!(l instanceof ConnectionSpread spread)) {
      return;
    }
    String service = l.config().service();
    Tags t = Tags.of("listener", l.config().name(), "service", service == null ? "" : service);
    out.add(FunctionCounter.builder("keel_proxy_sheds", spread, x -> x.tcpStats().sheds()).tags(t)
        .description("connections closed by rebalancing").register(registry));
    out.add(FunctionCounter.builder("keel_proxy_tcp_rejected", spread, x -> x.tcpStats().rejected()).tags(t)
        .description("connections refused by max-connections").register(registry));
    out.add(FunctionCounter.builder("keel_proxy_tcp_no_route", spread, x -> x.tcpStats().noRoute()).tags(t)
        .description("connections closed after the handshake: no route took their TLS server name").register(registry));
    out.add(FunctionCounter.builder("keel_proxy_tcp_connect_failures", spread, x -> x.tcpStats().connectFailures()).tags(t)
        .description("upstream connect attempts that failed").register(registry));
    out.add(Gauge.builder("keel_proxy_tcp_connections", spread, x -> x.tcpStats().open()).tags(t)
        .description("open tcp client connections").register(registry));
    out.add(Gauge.builder("keel_proxy_connections_max_over_share", spread, x -> x.evenness().maxOverShare()).tags(t)
        .description("max over backends of connections / weighted share").register(registry));
    out.add(Gauge.builder("keel_proxy_connections_cv", spread, x -> x.evenness().coefficientOfVariation()).tags(t)
        .description("coefficient of variation of connections / share over backends").register(registry));
  }

  /** Registers per-backend meters for backends seen for the first time. */
  void registerBackends(MeterRegistry registry, RunningListener l) {
    if (!(l instanceof ConnectionSpread spread)) {
      return;
    }
    for (ConnectionSpread.BackendShare b : spread.shares()) {
      String id = b.id();
      if (registered.add(l.config().name() + "\n" + id)) {
        String service = l.config().service();
        Tags t = Tags.of("listener", l.config().name(), "service", service == null ? "" : service, "backend", id,
            "address", b.address());
        Gauge.builder("keel_proxy_backend_connections", spread, x -> find(x, id, false)).tags(t).register(registry);
        Gauge.builder("keel_proxy_backend_connection_share", spread, x -> find(x, id, true)).tags(t).register(registry);
      }
    }
  }

  private static double find(ConnectionSpread spread, String id, boolean share) {
    for (ConnectionSpread.BackendShare b : spread.shares()) {
      if (b.id().equals(id)) {
        return share ? b.share() : b.activeConnections();
      }
    }
    return Double.NaN;
  }
}
