package dev.keel.proxy.admin;

import dev.keel.proxy.h2up.H2Balancing;
import dev.keel.proxy.h2up.H2Stats;
import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.upstream.Backend;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;

/**
 * Prometheus meters of an http listener's connections to its instances, tagged with the protocol
 * it speaks to them ({@code http1}, {@code h2c}, {@code h2}); with HTTP/2 also streams, GOAWAYs,
 * refused streams, unanswered PINGs, rebalancing sheds and the spread of the connections. Read at
 * scrape time; guarded by the caller ({@link ProxyMetrics}, synchronized).
 */
final class UpstreamMetrics {
  private UpstreamMetrics() {}

  static void register(MeterRegistry registry, RunningListener l, Tags listenerTags, List<Meter> out) {
    if (!"http".equals(l.config().protocol())) {
      return;
    }
    Tags t = listenerTags.and("protocol", l.config().upstream().protocol().configName());
    out.add(Gauge.builder("keel_proxy_upstream_connections", l, x -> sum(x, false)).tags(t)
        .description("open connections to the instances").register(registry));
    H2Stats s = l.http2UpstreamStats();
    if (s == null) {
      return;
    }
    out.add(Gauge.builder("keel_proxy_upstream_streams", l, x -> sum(x, true)).tags(t)
        .description("HTTP/2 streams running on the connections to the instances").register(registry));
    out.add(FunctionCounter.builder("keel_proxy_upstream_goaways", s, H2Stats::goAways).tags(t)
        .description("GOAWAY frames received from instances").register(registry));
    out.add(FunctionCounter.builder("keel_proxy_upstream_refused_streams", s, H2Stats::refused).tags(t)
        .description("streams instances refused unprocessed (REFUSED_STREAM, above a GOAWAY's last stream)").register(registry));
    out.add(FunctionCounter.builder("keel_proxy_upstream_ping_timeouts", s, H2Stats::pingTimeouts).tags(t)
        .description("connections closed because a PING went unanswered").register(registry));
    out.add(FunctionCounter.builder("keel_proxy_upstream_connection_sheds", s, H2Stats::sheds).tags(t)
        .description("connections to instances drained by rebalancing").register(registry));
    H2Balancing h2 = l.http2Upstream(); // a listener with routes: each service has its own spread
    if (h2 != null) {
      out.add(Gauge.builder("keel_proxy_upstream_connections_max_over_share", h2, x -> x.evenness().maxOverShare()).tags(t)
          .description("max over instances of connections / weighted share").register(registry));
    }
  }

  static void registerBackend(MeterRegistry registry, RunningListener l, Backend b, Tags backendTags, List<Meter> out) {
    if (l.http2UpstreamStats() != null) {
      out.add(Gauge.builder("keel_proxy_backend_streams", b, Backend::streams)
          .tags(backendTags.and("protocol", l.config().upstream().protocol().configName()))
          .description("HTTP/2 streams running on the connections to this instance").register(registry));
    }
  }

  private static double sum(RunningListener l, boolean streams) {
    double n = 0;
    for (Backend b : UpstreamJson.backends(l)) {
      n += streams ? b.streams() : b.connections();
    }
    return n;
  }
}
