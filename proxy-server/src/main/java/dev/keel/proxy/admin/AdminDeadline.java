package dev.keel.proxy.admin;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * One deadline per admin request: a connection has {@code admin.timeout} from its accept, and
 * again from each response, to deliver a complete request, or it is closed. That bounds a slow
 * sender (a request trickled a byte at a time) and an idle keep-alive connection alike, so a
 * client cannot hold admin connections (and the connection limit) at no cost. Not sharable; runs
 * on the connection's event loop, after the request aggregator.
 */
final class AdminDeadline extends ChannelDuplexHandler {
  private final long deadlineMillis;
  private @Nullable ScheduledFuture<?> timer;

  AdminDeadline(long deadlineMillis) {
    this.deadlineMillis = deadlineMillis;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    arm(ctx);
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof FullHttpRequest) {
      cancel(); // answered from memory; the deadline starts again after the response
    }
    ctx.fireChannelRead(msg);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    ctx.write(msg, promise.unvoid()).addListener((ChannelFutureListener) f -> {
      if (f.channel().isActive()) {
        arm(ctx);
      }
    });
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancel();
    ctx.fireChannelInactive();
  }

  private void arm(ChannelHandlerContext ctx) {
    cancel();
    timer = ctx.executor().schedule(() -> {
      ctx.close();
    }, deadlineMillis, TimeUnit.MILLISECONDS);
  }

  private void cancel() {
    ScheduledFuture<?> t = timer;
    if (t != null) {
      t.cancel(false);
      timer = null;
    }
  }
}
