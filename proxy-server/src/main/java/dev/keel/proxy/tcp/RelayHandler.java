package dev.keel.proxy.tcp;

import dev.keel.registry.internal.LogSafe;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inbound end of one side (client or upstream) of a {@link TcpConnection}: hands bytes, FIN
 * and close to the connection. Not sharable: one per channel; runs on the connection's event loop.
 */
final class RelayHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(RelayHandler.class);

  private final TcpConnection connection;
  private final boolean client;

  RelayHandler(TcpConnection connection, boolean client) {
    this.connection = connection;
    this.client = client;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    if (client) {
      connection.start();
    }
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof ByteBuf buf) {
      connection.relay(client, buf);
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      connection.inputShutdown(client);
    }
    ReferenceCountUtil.release(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    connection.close();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("{} side of {}: {}", client ? "client" : "upstream", connection, LogSafe.lazy(cause));
    connection.close();
  }
}
