package dev.keel.proxy.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.jspecify.annotations.Nullable;

/** The proxy's own short error responses; each is sent with {@code Connection: close}, flushed, then the connection closed. */
final class Errors {
  /** The most characters of a request's own text (host, path, name) an answer repeats. */
  static final int MAX_SHOWN = 100;

  private Errors() {}

  static void sendAndClose(ChannelHandlerContext ctx, HttpResponseStatus status) {
    sendAndClose(ctx, status, "");
  }

  /** With {@code detail} as the body's second line (empty: none). */
  static void sendAndClose(ChannelHandlerContext ctx, HttpResponseStatus status, String detail) {
    ctx.writeAndFlush(ResponseWriter.error(ctx.alloc(), status.code(), status.reasonPhrase(), detail))
        .addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * Text from a request as an answer may repeat it: visible ASCII only (anything else, spaces,
   * controls, quotes and {@code <>} included, becomes {@code ?}), at most {@value #MAX_SHOWN}
   * characters then {@code ...}. The answer is {@code text/plain} with {@code nosniff}; this keeps
   * it one inert line even for a client that would render it.
   */
  static String shown(CharSequence s) {
    int n = Math.min(s.length(), MAX_SHOWN);
    StringBuilder b = new StringBuilder(n + 3);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      b.append(c > 0x20 && c < 0x7f && "'\"\\<>`".indexOf(c) < 0 ? c : '?');
    }
    if (s.length() > n) {
      b.append("...");
    }
    return b.toString();
  }
}
