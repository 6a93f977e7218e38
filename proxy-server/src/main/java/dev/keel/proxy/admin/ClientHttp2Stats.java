package dev.keel.proxy.admin;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.keel.proxy.http.ListenerStats;
import dev.keel.proxy.listener.RunningListener;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;

/**
 * The client side of an {@code http} listener's HTTP/2 in {@code /status} ({@code http2Clients})
 * and {@code /metrics} ({@code keel_proxy_http2_client_*}): connections and streams of HTTP/2
 * clients open now, and the connections drained or calmed. The upstream side (connections and
 * streams to each instance) is {@code upstream} / {@code keel_proxy_upstream_*}. Stateless.
 */
final class ClientHttp2Stats {
  private ClientHttp2Stats() {}

  static boolean applies(RunningListener l) {
    return "http".equals(l.config().protocol()) && l.config().http2().enabled();
  }

  static void json(RunningListener l, ObjectNode listener) {
    if (!applies(l)) {
      return;
    }
    ListenerStats s = l.stats();
    ObjectNode o = listener.putObject("http2Clients");
    o.put("connections", s.http2Connections());
    o.put("streams", s.streams());
    o.put("streamResets", s.streamResets());
    o.put("goAways", s.goAways());
    o.put("enhanceYourCalm", s.calmed());
  }

  static void register(MeterRegistry registry, RunningListener l, Tags t, List<Meter> out) {
    if (!applies(l)) {
      return;
    }
    out.add(Gauge.builder("keel_proxy_http2_client_connections", l, x -> x.stats().http2Connections()).tags(t)
        .description("open client connections speaking HTTP/2 (counted in keel_proxy_client_connections too)").register(registry));
    out.add(Gauge.builder("keel_proxy_http2_client_streams", l, x -> x.stats().streams()).tags(t)
        .description("open HTTP/2 streams of clients, each one exchange").register(registry));
    out.add(FunctionCounter.builder("keel_proxy_http2_client_stream_resets", l, x -> x.stats().streamResets()).tags(t)
        .description("HTTP/2 streams reset by their client (cancelled calls, floods)").register(registry));
    out.add(FunctionCounter.builder("keel_proxy_http2_client_goaways", l, x -> x.stats().goAways()).tags(t)
        .description("HTTP/2 client connections drained with GOAWAY (stop, reload, max-connection-age, idle)").register(registry));
    out.add(FunctionCounter.builder("keel_proxy_http2_client_enhance_your_calm", l, x -> x.stats().calmed()).tags(t)
        .description("HTTP/2 client connections closed with ENHANCE_YOUR_CALM (rapid reset, control-frame floods)")
        .register(registry));
  }
}
