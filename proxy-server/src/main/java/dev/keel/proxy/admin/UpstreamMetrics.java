package dev.keel.proxy.admin;

import dev.keel.proxy.h2up.H2Balancing;
import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.upstream.Backend;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * Prometheus meters of an http listener's connections to its instances, tagged with the protocol
 * it speaks to them ({@code http1}, {@code h2c}, {@code h2}); with HTTP/2 also streams, GOAWAYs,
 * refused streams, unanswered PINGs, rebalancing sheds and the spread of the connections. Read at
 * scrape time; guarded by the caller ({@link ProxyMetrics}, synchronized).
 */
final class UpstreamMetrics {
  private UpstreamMetrics() {}

  static void register(MeterRegistry registry, RunningListener l) {
    if (!"http".equals(l.config().protocol())) {
      return;
    }
    Tags t = Tags.of("listener", l.config().name(), "service", l.config().service(),
        "protocol", l.config().upstream().protocol().configName());
    Gauge.builder("keel_proxy_upstream_connections", l, x -> sum(x, false)).tags(t)
        .description("open connections to the instances").register(registry);
    H2Balancing h2 = l.http2Upstream();
    if (h2 == null) {
      return;
    }
    Gauge.builder("keel_proxy_upstream_streams", l, x -> sum(x, true)).tags(t)
        .description("HTTP/2 streams running on the connections to the instances").register(registry);
    FunctionCounter.builder("keel_proxy_upstream_goaways", h2, x -> x.stats().goAways()).tags(t)
        .description("GOAWAY frames received from instances").register(registry);
    FunctionCounter.builder("keel_proxy_upstream_refused_streams", h2, x -> x.stats().refused()).tags(t)
        .description("streams instances refused unprocessed (REFUSED_STREAM, above a GOAWAY's last stream)").register(registry);
    FunctionCounter.builder("keel_proxy_upstream_ping_timeouts", h2, x -> x.stats().pingTimeouts()).tags(t)
        .description("connections closed because a PING went unanswered").register(registry);
    FunctionCounter.builder("keel_proxy_upstream_connection_sheds", h2, x -> x.stats().sheds()).tags(t)
        .description("connections to instances drained by rebalancing").register(registry);
    Gauge.builder("keel_proxy_upstream_connections_max_over_share", h2, x -> x.evenness().maxOverShare()).tags(t)
        .description("max over instances of connections / weighted share").register(registry);
  }

  static void registerBackend(MeterRegistry registry, RunningListener l, Backend b, Tags backendTags) {
    if (l.http2Upstream() != null) {
      Gauge.builder("keel_proxy_backend_streams", b, Backend::streams)
          .tags(backendTags.and("protocol", l.config().upstream().protocol().configName()))
          .description("HTTP/2 streams running on the connections to this instance").register(registry);
    }
  }

  private static double sum(RunningListener l, boolean streams) {
    double n = 0;
    for (Backend b : l.picker().backends()) {
      n += streams ? b.streams() : b.connections();
    }
    return n;
  }
}
