package dev.keel.proxy.http2;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses a TLS connection's protocol by what ALPN agreed on: {@code h2}, or HTTP/1.1 for
 * {@code http/1.1} and for clients that offer no ALPN at all (RFC 9113 §3.2: HTTP/2 over TLS is
 * only ever negotiated). Reads the handshake itself, since client connections do not read on their
 * own (AUTO_READ off) and nothing after it is there yet.
 */
public final class AlpnProtocols extends ApplicationProtocolNegotiationHandler {
  private static final Logger log = LoggerFactory.getLogger(AlpnProtocols.class);

  private final Protocols protocols;

  public AlpnProtocols(Protocols protocols) {
    super(ApplicationProtocolNames.HTTP_1_1);
    this.protocols = protocols;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    ctx.read();
    super.channelActive(ctx);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    super.handlerAdded(ctx);
    if (ctx.channel().isActive()) {
      ctx.read();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ctx.read(); // the handshake goes on until the protocol is chosen (this handler is removed then)
    ctx.fireChannelReadComplete();
  }

  @Override
  protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
    if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
      protocols.http2(ctx.pipeline());
    } else {
      protocols.http1(ctx.pipeline());
    }
  }

  @Override
  protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
    // a client that goes away mid-handshake, or speaks no TLS, is routine: not worth a warning
    log.debug("{}: TLS handshake failed: {}", ctx.channel().remoteAddress(), cause.toString());
    ctx.close();
  }
}
