package dev.keel.proxy.config;

import dev.keel.proxy.config.ListenerConfig.Http2;
import dev.keel.proxy.config.ListenerConfig.Upstream;
import dev.keel.proxy.config.ListenerConfig.UpstreamProtocol;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * A listener's {@code upstream} section: TLS to the instances, the HTTP/1.1 pool, and the protocol
 * ({@code http1 | h2c | h2}) with the settings of HTTP/2 connections. Keys that only an HTTP/2
 * upstream uses are refused with {@code protocol: http1}, as TLS keys are without TLS: a setting
 * that would do nothing is a mistake the operator should hear about.
 */
final class UpstreamSection {
  /** Keys read only with {@code protocol: h2c} or {@code h2}. */
  private static final String[] HTTP2_KEYS = {"max-streams", "stream-window", "ping-interval", "ping-timeout"};

  private UpstreamSection() {}

  /** The section of a listener of {@code listenerProtocol} ({@code http} or {@code tcp}); defaults without one. */
  static Upstream read(@Nullable Fields u, String listenerProtocol) {
    Upstream d = Upstream.defaults();
    if (u == null) {
      return d;
    }
    String name = u.oneOf("protocol", "http1", UpstreamProtocol.NAMES);
    UpstreamProtocol protocol = UpstreamProtocol.of(name);
    if (protocol.http2() && !"http".equals(listenerProtocol)) {
      throw u.error("protocol", "'" + name + "' (expected: http1; HTTP/2 to instances needs protocol: http on the listener)");
    }
    // h2 is HTTP/2 over TLS: TLS is on unless said otherwise, and saying otherwise is an error
    boolean tls = u.bool("tls", protocol == UpstreamProtocol.H2);
    if (protocol == UpstreamProtocol.H2 && !tls) {
      throw u.error("tls", "false (expected: true with protocol: h2, which is HTTP/2 over TLS; h2c is cleartext)");
    }
    if (protocol == UpstreamProtocol.H2C && tls) {
      throw u.error("tls", "true (expected: false with protocol: h2c, which is cleartext; h2 is HTTP/2 over TLS)");
    }
    boolean verify = u.bool("verify", true);
    int maxIdle = u.integer("max-idle-per-loop", d.maxIdlePerLoop(), 0, 100_000);
    if (!protocol.http2()) {
      for (String k : HTTP2_KEYS) {
        if (u.has(k)) {
          throw u.error(k, "'" + u.shownValue(k) + "' is not used (expected: protocol: h2c or h2 with it)");
        }
      }
    }
    Http2 h = Http2.defaults();
    int maxStreams = u.integer("max-streams", h.maxStreams(), 0, Integer.MAX_VALUE);
    long window = u.size("stream-window", h.streamWindow());
    if (window < Http2.MIN_WINDOW || window > Integer.MAX_VALUE) {
      throw u.error("stream-window", "'" + u.shownValue("stream-window") + "' (expected: 64k..2g, an HTTP/2 window size)");
    }
    Duration pingInterval = u.duration("ping-interval", h.pingInterval());
    Duration pingTimeout = u.duration("ping-timeout", h.pingTimeout());
    if (pingTimeout.isZero()) {
      throw u.error("ping-timeout", "'" + u.shownValue("ping-timeout") + "' (expected: a duration above 0 like 20s)");
    }
    u.done();
    return new Upstream(tls, verify, maxIdle, protocol, new Http2(maxStreams, (int) window, pingInterval, pingTimeout));
  }
}
