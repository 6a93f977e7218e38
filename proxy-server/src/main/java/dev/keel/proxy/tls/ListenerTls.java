package dev.keel.proxy.tls;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS of one running listener: its current {@link TlsMaterial}, replaced as a whole by a
 * reload (certificate rotation without a restart). Connections take the material current when
 * they open and keep it; new ones get the new one. Thread-safe: one volatile read per connection.
 */
public final class ListenerTls {
  /** Pipeline names of the handlers added in front of a listener's protocol handlers. */
  public static final String GUARD = "tls-renegotiation-guard";
  public static final String HANDLER = "tls";

  private static final Logger log = LoggerFactory.getLogger(ListenerTls.class);

  private volatile TlsMaterial material;
  private final LongAdder renegotiationsRefused = new LongAdder();

  public ListenerTls(TlsMaterial material) {
    this.material = requireNonNull(material, "material");
  }

  private void renegotiationRefused(String remote) {
    renegotiationsRefused.increment();
    log.debug("{}: TLS renegotiation refused, connection closed", remote);
  }

  /** Client connections closed because they started a TLS renegotiation. */
  public long renegotiationsRefused() {
    return renegotiationsRefused.sum();
  }

  public TlsMaterial material() {
    return material;
  }

  /** Replaces the material: connections opened from now on use {@code next}. */
  public void install(TlsMaterial next) {
    material = requireNonNull(next, "next");
  }

  /** True when client connections are TLS. */
  public boolean terminates() {
    return material.server() != null;
  }

  /**
   * Adds TLS termination to a new client connection's pipeline (nothing when the listener has no
   * TLS): the handshake must complete within {@code tls.handshake-timeout} of the accept, and a
   * client that starts a renegotiation is disconnected ({@link RenegotiationGuard}).
   *
   * @return the handshake's future, or null without TLS
   */
  public @Nullable Future<?> addServerHandlers(ChannelPipeline p) {
    TlsMaterial m = material;
    SslContext ctx = m.server();
    ServerTls settings = m.serverSettings();
    if (ctx == null || settings == null) {
      return null;
    }
    SslHandler ssl = ctx.newHandler(p.channel().alloc());
    ssl.setHandshakeTimeoutMillis(Math.max(1, settings.handshakeTimeout().toMillis()));
    p.addLast(GUARD, new RenegotiationGuard(ssl, this::renegotiationRefused));
    p.addLast(HANDLER, ssl);
    return ssl.handshakeFuture();
  }

  /**
   * A TLS handler for a connection to an instance at {@code host:port}, or null when the listener
   * does not use TLS towards instances. The name sent as SNI and verified is
   * {@code upstream.server-name}, or {@code host} without one.
   */
  public @Nullable SslHandler upstreamHandler(ByteBufAllocator alloc, String host, int port) {
    TlsMaterial m = material;
    SslContext ctx = m.upstream();
    UpstreamTls settings = m.upstreamSettings();
    if (ctx == null || settings == null) {
      return null;
    }
    String serverName = settings.serverName();
    String name = serverName != null ? serverName : host;
    return ctx.newHandler(alloc, name, port);
  }
}
