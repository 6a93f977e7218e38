package dev.keel.proxy.tcp;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.nio.channels.ClosedChannelException;

/**
 * What makes a tcp listener's new upstream connection usable, before any byte of the client's
 * goes to it: the PROXY protocol header (when configured), then the TLS handshake (with {@code
 * upstream.tls}; the header precedes it, as instances behind HAProxy expect). Both are part of
 * connecting: until they are done nothing of the client's reached the instance, so a failure of
 * either (a certificate the proxy refuses, an instance that closes) is a connect failure, and the
 * connection is tried on another instance. The handshake gets {@code timeouts.connect}, as the TCP
 * connect did.
 *
 * <p>Runs on the upstream channel's event loop.
 */
final class UpstreamSetup {
  private UpstreamSetup() {}

  /**
   * An upstream channel's handler until it is set up ({@link UpstreamSetup}) and gets its relay
   * handler: a failure on the way (a refused handshake) is reported by the set-up's future, not logged.
   */
  static final ChannelHandler NO_HANDLER = new ChannelInboundHandlerAdapter() {
    @Override
    public boolean isSharable() {
      return true;
    }

    @Override
    public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  };

  /**
   * Starts the set-up of {@code upstream}, connected for {@code client} to the instance at
   * {@code host:port}; the future completes when the connection can carry the client's bytes.
   */
  static Future<Void> establish(TcpRoute route, Channel client, Channel upstream, String host, int port,
      int handshakeTimeoutMillis) {
    Promise<Void> done = upstream.eventLoop().newPromise();
    String pp = route.config.proxyProtocol();
    if ("none".equals(pp)) {
      secure(route, upstream, host, port, handshakeTimeoutMillis, done);
      return done;
    }
    upstream.pipeline().addFirst("proxy-protocol", HAProxyMessageEncoder.INSTANCE);
    upstream.writeAndFlush(ProxyHeaders.forClient(client, pp)).addListener((ChannelFutureListener) f -> {
      if (upstream.pipeline().get("proxy-protocol") != null) {
        upstream.pipeline().remove("proxy-protocol");
      }
      if (f.isSuccess()) {
        secure(route, upstream, host, port, handshakeTimeoutMillis, done);
      } else {
        done.tryFailure(f.cause());
      }
    });
    return done;
  }

  private static void secure(TcpRoute route, Channel upstream, String host, int port, int handshakeTimeoutMillis,
      Promise<Void> done) {
    SslHandler tls = route.tls.upstreamHandler(upstream.alloc(), host, port);
    if (tls == null) {
      if (upstream.isActive()) {
        done.trySuccess(null);
      } else {
        done.tryFailure(new ClosedChannelException());
      }
      return;
    }
    tls.setHandshakeTimeoutMillis(handshakeTimeoutMillis); // timeouts.connect: the handshake is part of connecting
    upstream.pipeline().addFirst("tls", tls); // on an active channel: the handshake starts now
    tls.handshakeFuture().addListener(h -> {
      if (h.isSuccess()) {
        done.trySuccess(null);
      } else {
        done.tryFailure(h.cause());
      }
    });
  }
}
