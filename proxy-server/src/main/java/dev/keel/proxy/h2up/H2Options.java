package dev.keel.proxy.h2up;

import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.config.UpstreamProtocol;
import io.netty.handler.codec.http2.Http2Settings;
import java.util.concurrent.TimeUnit;

/**
 * The settings of one listener's HTTP/2 upstream connections, in the units the connections use.
 *
 * @param maxStreams most streams per connection, below the instance's own limit; 0: the instance's
 * @param streamWindow the receive window of each stream (SETTINGS_INITIAL_WINDOW_SIZE): what a
 *     response may have in flight towards the proxy before the client took it
 * @param pingIntervalNanos a connection silent this long is sent a PING; 0: never
 * @param pingTimeoutNanos a PING unanswered this long closes its connection
 * @param idleNanos a connection without streams this long is closed; 0: never
 * @param tls the connection is TLS (h2, with ALPN) rather than cleartext (h2c)
 */
public record H2Options(int maxStreams, int streamWindow, long pingIntervalNanos, long pingTimeoutNanos,
    long idleNanos, boolean tls) {
  /**
   * Streams a connection takes before the instance's SETTINGS say how many it allows: RFC 9113
   * §6.5.2 recommends that limit be no smaller than 100.
   */
  static final int ASSUMED_STREAMS = 100;
  /** The largest response header list accepted from an instance. */
  static final int MAX_HEADER_LIST = 64 * 1024;

  /** The options a listener's config asks for. */
  public static H2Options of(ListenerConfig config) {
    ListenerConfig.Upstream u = config.upstream();
    ListenerConfig.Http2 h = u.http2();
    return new H2Options(h.maxStreams(), h.streamWindow(), h.pingInterval().toNanos(), h.pingTimeout().toNanos(),
        config.timeouts().idle().toNanos(), u.protocol() == UpstreamProtocol.H2);
  }

  /** What the proxy announces: no push, no streams opened by the instance, its windows and header limit. */
  Http2Settings settings() {
    return new Http2Settings()
        .pushEnabled(false)
        .maxConcurrentStreams(0)
        .initialWindowSize(streamWindow)
        .maxHeaderListSize(MAX_HEADER_LIST);
  }

  /** Streams a connection may carry now, given what the instance allows ({@code peerLimit}). */
  int capacity(int peerLimit) {
    return maxStreams > 0 ? Math.min(maxStreams, peerLimit) : peerLimit;
  }

  /** Streams a connection takes while its instance's SETTINGS are still to come. */
  int assumedCapacity() {
    return capacity(ASSUMED_STREAMS);
  }

  long pingIntervalMillis() {
    return TimeUnit.NANOSECONDS.toMillis(pingIntervalNanos);
  }
}
