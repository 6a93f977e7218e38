package dev.keel.proxy.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;

/** The proxy's own short error responses; each is sent with {@code Connection: close}, flushed, then the connection closed. */
final class Errors {
  private Errors() {}

  static void sendAndClose(ChannelHandlerContext ctx, HttpResponseStatus status) {
    ctx.writeAndFlush(ResponseWriter.error(ctx.alloc(), status.code(), status.reasonPhrase()))
        .addListener(ChannelFutureListener.CLOSE);
  }
}
