package dev.keel.proxy.http;

import io.netty.handler.codec.http2.Http2Headers;
import org.jspecify.annotations.Nullable;

/**
 * A response head read from an HTTP/2 instance's HEADERS ({@link H2Heads#response}): the exchange
 * reads it as any {@link ResponseHead} (status, framing, hop-by-hop fields, cookies: one parse, one
 * set of checks whatever the instance speaks), and while the listener's call lasts it also keeps
 * the HEADERS it was read from, so that an HTTP/2 client's sink can forward their names and values
 * as received ({@link Http2Responses#head}) instead of copying them back out of the head's bytes.
 * Its i-th indexed field is the i-th regular (non-pseudo) field of those HEADERS: {@link
 * H2Heads#response} writes them in order.
 *
 * <p>One per event loop, reused for every stream; confined to that loop.
 */
final class H2ResponseHead extends ResponseHead {
  private @Nullable Http2Headers received;

  /** The HEADERS this head was read from, during the listener's call only; null otherwise. */
  @Nullable Http2Headers received() {
    return received;
  }

  void received(@Nullable Http2Headers headers) {
    received = headers;
  }
}
