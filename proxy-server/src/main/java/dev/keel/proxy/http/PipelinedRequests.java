package dev.keel.proxy.http;

import io.netty.channel.ChannelHandlerContext;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * The requests an HTTP/1.1 client sent ahead on its connection (pipelining, RFC 9112 §9.3): their
 * decoded messages wait here, in order, until the response before them is out, and are then read
 * again by the connection ({@link #replay}) as if they had just come. Every buffer still waiting is
 * released when the connection closes ({@link #release}).
 *
 * <p>One per connection, made when a client first pipelines; confined to the connection's event loop.
 */
final class PipelinedRequests {
  private final HttpProxyHandler connection;
  private final ArrayDeque<Object> waiting = new ArrayDeque<>(4);

  PipelinedRequests(HttpProxyHandler connection) {
    this.connection = connection;
  }

  /** A message of a request that comes after the one in progress. */
  void add(Object msg) {
    waiting.add(msg);
  }

  /**
   * Reads what waits through the connection, until it closes; false when nothing waited. Messages
   * that belong to a request after the next go back to the end of the queue, in order.
   */
  boolean replay(ChannelHandlerContext ctx) {
    if (waiting.isEmpty()) {
      return false;
    }
    for (int n = waiting.size(); n > 0 && !connection.closing(); n--) {
      connection.channelRead(ctx, waiting.poll());
    }
    return true;
  }

  /** The connection closes: what waits is dropped. */
  void release() {
    Object m;
    while ((m = waiting.poll()) != null) {
      ReferenceCountUtil.release(m);
    }
  }

  /** Releases {@code requests}' messages, when the client ever pipelined. */
  static void releaseIfAny(@Nullable PipelinedRequests requests) {
    if (requests != null) {
      requests.release();
    }
  }
}
