package dev.keel.proxy.http2;

import io.netty.handler.codec.http2.DefaultHttp2Connection;
import io.netty.handler.codec.http2.DefaultHttp2RemoteFlowController;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.UniformStreamByteDistributor;

/**
 * The HTTP/2 connection state both sides of the proxy build their codec on (client connections and
 * connections to instances). Its outbound flow control shares the send window between the streams
 * that have DATA evenly ({@link UniformStreamByteDistributor}) instead of by the stream priorities
 * of RFC 7540, which RFC 9113 §5.3 deprecates and which neither gRPC nor browsers' clients of a
 * proxy rely on: Netty's default ({@code WeightedFairQueueByteDistributor}) keeps a priority tree
 * that costs an allocation and a tree update on every stream opened and closed, the proxy's most
 * frequent event under gRPC unary load. Flow control itself (windows, the writability the
 * exchanges wait on) is unchanged.
 */
public final class Http2Connections {
  private Http2Connections() {}

  /** A connection's state for a server ({@code server}: the proxy's client side) or a client (the instance side). */
  public static Http2Connection create(boolean server) {
    DefaultHttp2Connection c = new DefaultHttp2Connection(server);
    c.remote().flowController(new DefaultHttp2RemoteFlowController(c, new UniformStreamByteDistributor(c)));
    return c;
  }
}
