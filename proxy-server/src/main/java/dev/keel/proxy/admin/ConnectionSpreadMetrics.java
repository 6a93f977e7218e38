package dev.keel.proxy.admin;

import dev.keel.proxy.tcp.ConnectionSpread;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;

/**
 * Prometheus meters of listeners whose connections are balanced (tcp): sheds, max ÷ share, the
 * coefficient of variation, and per backend its connections and share. Read at scrape time; the
 * meters made here are owned, and removed, through {@link OwnedMeters}.
 */
final class ConnectionSpreadMetrics {
  private ConnectionSpreadMetrics() {}

  /** Registers the listener-level meters of {@code spread} (tagged {@code t}) into {@code out}. */
  static void register(MeterRegistry registry, ConnectionSpread spread, Tags t, List<Meter> out) {
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

  /**
   * The meters of backend {@code id} (tagged {@code t}) of a listener's one service; they read its
   * share by id at each scrape.
   */
  static void registerBackend(MeterRegistry registry, ConnectionSpread spread, String id, Tags t, List<Meter> out) {
    out.add(Gauge.builder("keel_proxy_backend_connections", spread, x -> find(x, id, false)).tags(t).register(registry));
    out.add(Gauge.builder("keel_proxy_backend_connection_share", spread, x -> find(x, id, true)).tags(t)
        .register(registry));
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
