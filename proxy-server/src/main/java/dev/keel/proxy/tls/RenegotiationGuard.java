package dev.keel.proxy.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import java.net.SocketAddress;
import java.util.function.Consumer;

/**
 * Disconnects a client that starts a TLS renegotiation. A renegotiation costs the server a full
 * handshake (an asymmetric-key operation) for a few bytes from the client, so a client repeating
 * it burns CPU at will (CVE-2011-1473); TLS 1.3 has no renegotiation, and Keel never asks for one.
 *
 * <p>Works on the record layer, whatever the TLS provider: it sits before the {@link SslHandler},
 * follows the 5-byte record headers of the bytes the client sends (reading headers only, never
 * the encrypted bodies, and copying nothing), and closes the connection at the first handshake
 * record (content type 22) that arrives after the handshake completed. In TLS 1.2 that is a
 * renegotiation's ClientHello, whose record type stays visible although its body is encrypted;
 * in TLS 1.3 every later handshake message travels inside application-data records, so an outer
 * type 22 is a protocol violation anyway.
 *
 * <p>Not sharable: one per connection, on its event loop.
 */
final class RenegotiationGuard extends ChannelInboundHandlerAdapter {
  private static final int HEADER = 5;
  private static final int HANDSHAKE = 22;

  private final SslHandler ssl;
  private final Consumer<String> onRefused;
  /** Body bytes of the current record still to come. */
  private int bodyLeft;
  private final byte[] header = new byte[HEADER];
  private int headerRead;
  private boolean refused;

  RenegotiationGuard(SslHandler ssl, Consumer<String> onRefused) {
    this.ssl = ssl;
    this.onRefused = onRefused;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (refused) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof ByteBuf buf && renegotiates(buf)) {
      refused = true;
      buf.release();
      SocketAddress remote = ctx.channel().remoteAddress();
      onRefused.accept(String.valueOf(remote));
      ctx.close();
      return;
    }
    ctx.fireChannelRead(msg);
  }

  /** Walks the record headers in {@code buf}; true at a handshake record after the handshake. */
  private boolean renegotiates(ByteBuf buf) {
    int i = buf.readerIndex();
    int end = buf.writerIndex();
    while (i < end) {
      if (bodyLeft > 0) {
        int n = Math.min(bodyLeft, end - i);
        bodyLeft -= n;
        i += n;
        continue;
      }
      header[headerRead++] = buf.getByte(i++);
      if (headerRead == HEADER) {
        headerRead = 0;
        bodyLeft = (header[3] & 0xff) << 8 | (header[4] & 0xff);
        if (header[0] == HANDSHAKE && ssl.handshakeFuture().isSuccess()) {
          return true;
        }
      }
    }
    return false;
  }
}
