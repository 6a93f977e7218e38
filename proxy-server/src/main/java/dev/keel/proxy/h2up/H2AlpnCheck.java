package dev.keel.proxy.h2up;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.io.IOException;

/**
 * Between TLS and HTTP/2 on a connection to an instance ({@code upstream.protocol: h2}): once the
 * handshake is done, the instance must have chosen {@code h2} by ALPN; one that chose nothing (or
 * HTTP/1.1) cannot be spoken HTTP/2 to, and the connection fails as a connect failure would, so its
 * streams go elsewhere. Removes itself after the check.
 */
public final class H2AlpnCheck extends ChannelInboundHandlerAdapter {
  private final String instance;

  /** @param instance the instance, for the error */
  public H2AlpnCheck(String instance) {
    this.instance = instance;
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof SslHandshakeCompletionEvent done) {
      ctx.pipeline().remove(this);
      SslHandler ssl = ctx.pipeline().get(SslHandler.class);
      String chosen = ssl == null ? null : ssl.applicationProtocol();
      if (done.isSuccess() && !ApplicationProtocolNames.HTTP_2.equals(chosen)) {
        ctx.fireExceptionCaught(new IOException("instance " + instance + " did not choose h2 by ALPN (chose: "
            + (chosen == null ? "nothing" : chosen) + ")"));
        ctx.close();
      }
    }
    ctx.fireUserEventTriggered(evt);
  }
}
