package dev.keel.proxy.config;

import dev.keel.proxy.config.ListenerConfig.Http2;
import dev.keel.proxy.config.ListenerConfig.Upstream;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A listener's {@code upstream} section: the protocol spoken to the instances ({@code http1 | h2c |
 * h2}) with the settings of HTTP/2 connections, then TLS and the HTTP/1.1 pool ({@link
 * TlsSections#upstream}). Keys only an HTTP/2 upstream uses are refused with {@code protocol:
 * http1}, as TLS keys are without TLS: a setting that would do nothing is a mistake the operator
 * should hear about. {@code h2} is HTTP/2 over TLS: TLS is on unless said otherwise, and saying
 * otherwise is an error; {@code h2c} is cleartext, and TLS with it is an error.
 */
final class UpstreamSection {
  /** Keys read only with {@code protocol: h2c} or {@code h2}. */
  private static final String[] HTTP2_KEYS = {"max-streams", "stream-window", "ping-interval", "ping-timeout"};

  private UpstreamSection() {}

  /** The section of a listener of {@code listenerProtocol} ({@code http} or {@code tcp}); defaults without one. */
  static Upstream read(@Nullable Fields u, String listenerProtocol, List<String> warnings) {
    if (u == null) {
      return Upstream.defaults();
    }
    String name = u.oneOf("protocol", "http1", UpstreamProtocol.NAMES);
    UpstreamProtocol protocol = UpstreamProtocol.of(name);
    if (protocol.http2() && !"http".equals(listenerProtocol)) {
      throw u.error("protocol", "'" + name + "' (expected: http1; HTTP/2 to instances needs protocol: http on the listener)");
    }
    if (!protocol.http2()) {
      for (String k : HTTP2_KEYS) {
        if (u.has(k)) {
          throw u.error(k, "'" + u.shownValue(k) + "' is not used (expected: protocol: h2c or h2 with it)");
        }
      }
    }
    Http2 d = Http2.defaults();
    int maxStreams = u.integer("max-streams", d.maxStreams(), 0, Integer.MAX_VALUE);
    long window = u.size("stream-window", d.streamWindow());
    if (window < Http2.MIN_WINDOW || window > Integer.MAX_VALUE) {
      throw u.error("stream-window", "'" + u.shownValue("stream-window") + "' (expected: 64k..2g, an HTTP/2 window size)");
    }
    Duration pingInterval = u.duration("ping-interval", d.pingInterval());
    Duration pingTimeout = u.duration("ping-timeout", d.pingTimeout());
    if (pingTimeout.isZero()) {
      throw u.error("ping-timeout", "'" + u.shownValue("ping-timeout") + "' (expected: a duration above 0 like 20s)");
    }
    boolean h2 = protocol == UpstreamProtocol.H2;
    Upstream tls = TlsSections.upstream(u, warnings, h2, h2 ? List.of("h2") : List.of());
    if (h2 && tls.tls() == null) {
      throw u.error("tls", "false (expected: true with protocol: h2, which is HTTP/2 over TLS; h2c is cleartext)");
    }
    if (protocol == UpstreamProtocol.H2C && tls.tls() != null) {
      throw u.error("tls", "true (expected: false with protocol: h2c, which is cleartext; h2 is HTTP/2 over TLS)");
    }
    return new Upstream(tls.tls(), tls.maxIdlePerLoop(), protocol, new Http2(maxStreams, (int) window, pingInterval, pingTimeout));
  }
}
