package dev.keel.proxy.upstream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * The last handler of an upstream channel, and the pool's handle for it. While leased it forwards
 * everything to its {@link UpstreamOwner}; while idle in the pool, anything read is dropped and
 * the channel closed (a server must not talk on an idle connection), and the pool's idle sweep
 * closes it after the idle timeout.
 *
 * <p>Single-threaded: all methods run on the channel's event loop.
 */
public final class UpstreamConnection extends ChannelInboundHandlerAdapter {

  private final Backend backend;
  private final UpstreamPool pool;
  private @Nullable Channel channel;
  private @Nullable UpstreamOwner owner;
  private int uses;
  private @Nullable Object codec;
  /** Idle sweeps passed since it went back to the pool. */
  int quietTicks;
  /** When it went back to the pool (the loop's ticker). */
  long idleSince;

  UpstreamConnection(Backend backend, UpstreamPool pool) {
    this.backend = backend;
    this.pool = pool;
  }

  public Backend backend() {
    return backend;
  }

  public Channel channel() {
    Channel c = channel;
    if (c == null) {
      throw new IllegalStateException("not connected");
    }
    return c;
  }

  /** The handler of {@code type} in this connection's pipeline (looked up once), or null. */
  public <T extends ChannelHandler> @Nullable T codec(Class<T> type) {
    Object c = codec;
    if (!type.isInstance(c)) {
      c = channel().pipeline().get(type);
      codec = c;
    }
    return type.cast(c);
  }

  /** True when this connection carried a request before the current lease. */
  public boolean reused() {
    return uses > 1;
  }

  void lease(UpstreamOwner newOwner) {
    owner = newOwner;
    uses++;
  }

  /** Ends the lease: the connection goes back to the pool when {@code reusable}, else it is closed. */
  public void release(boolean reusable) {
    owner = null;
    Channel c = channel;
    if (c == null) {
      return;
    }
    if (reusable && c.isActive()) {
      pool.offer(this);
    } else {
      c.close();
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    channel = ctx.channel();
    backend.connectionOpened();
    ctx.fireChannelActive();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    channel = ctx.channel();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    UpstreamOwner o = owner;
    if (o != null) {
      o.upstreamRead(this, msg);
    } else {
      ReferenceCountUtil.release(msg);
      ctx.close();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    UpstreamOwner o = owner;
    if (o != null) {
      o.upstreamReadComplete(this);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    UpstreamOwner o = owner;
    if (o != null) {
      o.upstreamWritabilityChanged(this);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    ReferenceCountUtil.release(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    backend.connectionClosed();
    pool.remove(this);
    UpstreamOwner o = owner;
    owner = null;
    if (o != null) {
      o.upstreamClosed(this, new IOException("upstream closed the connection"));
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    UpstreamOwner o = owner;
    owner = null;
    ctx.close();
    if (o != null) {
      o.upstreamClosed(this, cause);
    }
  }
}
