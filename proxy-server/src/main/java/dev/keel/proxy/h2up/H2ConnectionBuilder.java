package dev.keel.proxy.h2up;

import dev.keel.proxy.http2.Http2Connections;
import dev.keel.proxy.upstream.Backend;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Settings;

/**
 * Builds an {@link H2Connection} on Netty's HTTP/2 codec as a client: the proxy's SETTINGS (no
 * push, its stream window, its header list limit), header validation on, DATA shared evenly between
 * streams ({@link Http2Connections}), and no graceful-close wait of the codec's own (the connection
 * closes only when no stream is left, or on purpose).
 */
final class H2ConnectionBuilder extends AbstractHttp2ConnectionHandlerBuilder<H2Connection, H2ConnectionBuilder> {
  private final H2Pool pool;
  private final Backend backend;
  private final H2Options options;
  private final H2Stats stats;

  H2ConnectionBuilder(H2Pool pool, Backend backend, H2Options options, H2Stats stats) {
    this.pool = pool;
    this.backend = backend;
    this.options = options;
    this.stats = stats;
    connection(Http2Connections.create(false)); // the connection says server or client: no server() with it
    validateHeaders(true);
    initialSettings(options.settings());
    gracefulShutdownTimeoutMillis(0); // applied after build(decoder, encoder, settings): set here, not there
  }

  @Override
  protected H2Connection build() {
    return super.build();
  }

  @Override
  protected H2Connection build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings) {
    return new H2Connection(decoder, encoder, settings, pool, backend, options, stats);
  }
}
