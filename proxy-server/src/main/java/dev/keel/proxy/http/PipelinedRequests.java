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
 * <p>One per connection; confined to the connection's event loop.
 */
final class PipelinedRequests {
  private final HttpProxyHandler connection;
  // made when a client first pipelines: most never do
  private @Nullable ArrayDeque<Object> waiting;

  PipelinedRequests(HttpProxyHandler connection) {
    this.connection = connection;
  }

  /** A message of a request that comes after the one in progress. */
  void add(Object msg) {
    ArrayDeque<Object> q = waiting;
    if (q == null) {
      q = new ArrayDeque<>(4);
      waiting = q;
    }
    q.add(msg);
  }

  /**
   * Reads what waits through the connection, until it closes; false when nothing waited. Messages
   * that belong to a request after the next go back to the end of the queue, in order.
   */
  boolean replay(ChannelHandlerContext ctx) {
    ArrayDeque<Object> q = waiting;
    if (q == null || q.isEmpty()) {
      return false;
    }
    for (int n = q.size(); n > 0 && !connection.closing(); n--) {
      connection.channelRead(ctx, q.poll());
    }
    return true;
  }

  /** True when no request waits. */
  boolean isEmpty() {
    ArrayDeque<Object> q = waiting;
    return q == null || q.isEmpty();
  }

  /** The connection closes: what waits is dropped. */
  void release() {
    ArrayDeque<Object> q = waiting;
    Object m;
    while (q != null && (m = q.poll()) != null) {
      ReferenceCountUtil.release(m);
    }
  }
}
