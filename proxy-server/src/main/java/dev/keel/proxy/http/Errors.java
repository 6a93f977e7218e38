package dev.keel.proxy.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.jspecify.annotations.Nullable;

/** The proxy's own short error responses; each is sent with {@code Connection: close}, flushed, then the connection closed. */
final class Errors {
  private Errors() {}

  static void sendAndClose(ChannelHandlerContext ctx, HttpResponseStatus status) {
    sendAndClose(ctx, status, null);
  }

  /** As above; {@code detail} (ASCII, no line breaks; null for none) is a second line of the body, saying why. */
  static void sendAndClose(ChannelHandlerContext ctx, HttpResponseStatus status, @Nullable String detail) {
    ctx.writeAndFlush(ResponseWriter.error(ctx.alloc(), status.code(), status.reasonPhrase(), detail))
        .addListener(ChannelFutureListener.CLOSE);
  }
}
