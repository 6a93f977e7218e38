package dev.keel.proxy.config;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * HTTP/2 towards the clients of an {@code http} listener (the {@code http2:} key): whether it is
 * offered (h2 by ALPN with TLS, h2c by prior knowledge without), the limits a client connection is
 * held to, how long connections are drained, and which gRPC methods may be sent twice. Immutable.
 *
 * <p>Memory a client connection can pin is bounded by {@code maxConcurrentStreams × initialWindow}
 * (request bytes the proxy has not yet passed on; the connection window is set to that product,
 * so that stalled streams can never hold up the others) plus the retry buffers of its streams.
 *
 * @param enabled offer HTTP/2 (false: HTTP/1.1 only, as before)
 * @param maxConcurrentStreams SETTINGS_MAX_CONCURRENT_STREAMS: streams a client may have open at once
 * @param initialWindow SETTINGS_INITIAL_WINDOW_SIZE: request bytes a stream may send ahead of the proxy
 * @param drainTimeout after the final GOAWAY, how long in-flight streams may take before the connection closes
 * @param maxConnectionAge a client connection older than this (±10 % jitter, gRFC A9) is drained; 0: never
 * @param maxResets RST_STREAM frames a client may send per {@code resetWindow} (rapid reset,
 *     CVE-2023-44487), and streams it may make the proxy reset; beyond that: GOAWAY ENHANCE_YOUR_CALM; 0: no limit
 * @param resetWindow the window {@code maxResets} counts in
 * @param maxControlFrames PING, SETTINGS and PRIORITY frames a client may send per 10 s while the
 *     proxy sends it no HEADERS or DATA (ping and settings floods); beyond that: GOAWAY ENHANCE_YOUR_CALM; 0: no limit
 * @param maxQueuedControlFrames control frames (PING and SETTINGS acknowledgements, RST_STREAM)
 *     waiting for a client that does not read; beyond that the connection is closed
 * @param maxSmallContinuationFrames CONTINUATION frames of a header block that are smaller than a
 *     sixteenth of the frame size (CONTINUATION floods); the block's size is bounded by
 *     {@code limits.max-header-size} anyway
 * @param maxEmptyDataFrames consecutive empty DATA frames without END_STREAM (CVE-2019-9518)
 * @param retryBuffer a request body up to this size is kept until the response head, so a request
 *     that may be sent again (an idempotent gRPC method, or one an instance refused unprocessed) can
 *     be retried after its body went out; 0: never kept
 * @param idempotentGrpcMethods gRPC methods that may be retried after their request went out, as
 *     {@code /package.Service/Method} or {@code /package.Service/*}
 */
public record Http2Config(boolean enabled, int maxConcurrentStreams, int initialWindow, Duration drainTimeout,
    Duration maxConnectionAge, int maxResets, Duration resetWindow, int maxControlFrames, int maxQueuedControlFrames,
    int maxSmallContinuationFrames, int maxEmptyDataFrames, long retryBuffer, List<String> idempotentGrpcMethods) {

  /** The shape of an entry of {@link #idempotentGrpcMethods}. */
  public static final Pattern GRPC_METHOD = Pattern.compile("/[^/*\\s]+/([^/*\\s]+|\\*)");

  public static final Http2Config DEFAULTS = new Http2Config(true, 100, 64 * 1024, Duration.ofSeconds(10), Duration.ZERO,
      200, Duration.ofSeconds(30), 1000, 1000, 16, 2, 64 * 1024, List.of());

  public Http2Config {
    requireNonNull(drainTimeout, "drainTimeout");
    requireNonNull(maxConnectionAge, "maxConnectionAge");
    requireNonNull(resetWindow, "resetWindow");
    idempotentGrpcMethods = List.copyOf(idempotentGrpcMethods);
    for (String m : idempotentGrpcMethods) {
      if (!GRPC_METHOD.matcher(m).matches()) {
        throw new IllegalArgumentException("idempotentGrpcMethods: '" + m + "' (expected: /package.Service/Method or /package.Service/*)");
      }
    }
    if (maxConcurrentStreams < 1) {
      throw new IllegalArgumentException("maxConcurrentStreams: " + maxConcurrentStreams + " (expected: >= 1)");
    }
    if (initialWindow < 1024) {
      throw new IllegalArgumentException("initialWindow: " + initialWindow + " (expected: >= 1024)");
    }
  }

  /** HTTP/2 off: the listener speaks HTTP/1.1 only. */
  public static Http2Config disabled() {
    return new Http2Config(false, DEFAULTS.maxConcurrentStreams, DEFAULTS.initialWindow, DEFAULTS.drainTimeout,
        DEFAULTS.maxConnectionAge, DEFAULTS.maxResets, DEFAULTS.resetWindow, DEFAULTS.maxControlFrames,
        DEFAULTS.maxQueuedControlFrames, DEFAULTS.maxSmallContinuationFrames, DEFAULTS.maxEmptyDataFrames,
        DEFAULTS.retryBuffer, DEFAULTS.idempotentGrpcMethods);
  }

  /**
   * The connection's receive window: room for every stream's window at once, so that streams whose
   * reader stalls can never use up the window the others need (at most 2^31 - 1).
   */
  public int connectionWindow() {
    return (int) Math.min(Integer.MAX_VALUE, (long) maxConcurrentStreams * initialWindow);
  }

  /** True when a gRPC call of {@code path} ({@code /package.Service/Method}) is listed as idempotent. */
  public boolean idempotent(CharSequence path) {
    for (int i = 0; i < idempotentGrpcMethods.size(); i++) {
      String m = idempotentGrpcMethods.get(i);
      if (m.endsWith("/*")) {
        int service = m.length() - 1; // "/package.Service/" with its slash
        if (path.length() > service && path.toString().startsWith(m.substring(0, service))
            && path.toString().indexOf('/', service) < 0) {
          return true;
        }
      } else if (m.contentEquals(path)) {
        return true;
      }
    }
    return false;
  }
}
