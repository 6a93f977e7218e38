package dev.keel.proxy.h2up;

import dev.keel.proxy.http2.Http2Connections;
import dev.keel.proxy.upstream.Backend;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.util.AsciiString;

/**
 * Builds an {@link H2Connection} on Netty's HTTP/2 codec as a client: the proxy's SETTINGS (no
 * push, its stream window, its header list limit), header validation on, DATA shared evenly between
 * streams ({@link Http2Connections}), {@code grpc-timeout} kept out of the HPACK table ({@link
 * #NOT_INDEXED}), and no graceful-close wait of the codec's own (the connection
 * closes only when no stream is left, or on purpose).
 */
final class H2ConnectionBuilder extends AbstractHttp2ConnectionHandlerBuilder<H2Connection, H2ConnectionBuilder> {
  private static final AsciiString GRPC_TIMEOUT = AsciiString.cached("grpc-timeout");
  /**
   * Fields the proxy's HPACK encoder never adds to the instance's dynamic table: {@code
   * grpc-timeout}, whose value (the time left of the call's deadline, counted by the client) is new
   * on every call. Indexed, each call would add an entry that never matches again and push out the
   * entries that do ({@code :path}, {@code content-type}, {@code user-agent}...), and every field
   * would be looked up among them. Netty's one way to keep a field out of the table is its
   * sensitivity detector (a never-indexed literal, RFC 7541 §6.2.3), which costs nothing here: the
   * value is sent as a literal either way.
   */
  static final Http2HeadersEncoder.SensitivityDetector NOT_INDEXED =
      (name, value) -> name.length() == GRPC_TIMEOUT.length() && GRPC_TIMEOUT.contentEqualsIgnoreCase(name);
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
    headerSensitivityDetector(NOT_INDEXED);
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
