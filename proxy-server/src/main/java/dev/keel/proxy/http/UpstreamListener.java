package dev.keel.proxy.http;

import dev.keel.balancer.FailureKind;
import io.netty.buffer.ByteBuf;
import org.jspecify.annotations.Nullable;

/**
 * What an {@link Exchange} hears from the upstream side of its current attempt (an {@link
 * RequestSink}): the connection is ready, the response's head, body and end, flow control, and
 * failure. A sink calls nothing after its {@link RequestSink#release}. Called on the event loop of
 * the exchange's client connection; never block here.
 */
interface UpstreamListener {
  /** The attempt has a connection (opened, or taken from the pool): the request may be written. */
  void upstreamReady(RequestSink upstream);

  /**
   * A response head: interim (1xx), 101 (raw bytes follow) or final. The head object is reused by
   * the decoder: consume it before returning.
   */
  void upstreamHead(ResponseHead head);

  /** A piece of the response body, or raw bytes in a tunnel; ownership passes to the listener. */
  void upstreamBody(ByteBuf data);

  /** The end of the final response, with its trailers (borrowed: valid during the call) or null. */
  void upstreamEnd(@Nullable ResponseTrailers trailers);

  /** The end of one read from the upstream: flush, and decide whether to read on. */
  void upstreamReadComplete();

  /** The upstream became writable again: the client may be read on. */
  void upstreamWritable();

  /**
   * The attempt failed: connecting failed ({@link FailureKind#CONNECT}), or the connection closed,
   * reset or broke the protocol ({@link FailureKind#RESET}).
   */
  void upstreamFailed(FailureKind outcome, Throwable cause);

  /**
   * The instance did not process the request, and says so (HTTP/2: the stream was reset with
   * REFUSED_STREAM, or its id is above the last-stream-id of a GOAWAY): it may be sent again
   * elsewhere whatever its method, if what went of it can be sent again. No verdict on the
   * instance: it is draining or full, not failing. The sink released itself.
   */
  void upstreamRefused(Throwable cause);
}
