package dev.keel.proxy.http;

import dev.keel.proxy.accesslog.AccessLog;
import dev.keel.proxy.config.Http2Config;
import dev.keel.proxy.http2.Http2Connections;
import io.netty.handler.codec.http2.AbstractHttp2ConnectionHandlerBuilder;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2Settings;
import org.jspecify.annotations.Nullable;

/**
 * Netty's HTTP/2 codec for one client connection of a listener, with the listener's limits: the
 * SETTINGS it announces (concurrent streams, initial window, header list size) and the flood limits
 * Netty enforces (RST_STREAM per window both ways, CVE-2023-44487; queued control frames; small
 * CONTINUATION frames; empty DATA frames); DATA shared evenly between streams ({@link
 * Http2Connections}). No graceful-shutdown timeout: GOAWAY is the handler's to
 * send ({@link dev.keel.proxy.http2.GoAwayDrain}). One builder per connection
 * ({@link Http2ProxyHandler#create}).
 */
final class Http2HandlerBuilder extends AbstractHttp2ConnectionHandlerBuilder<Http2ProxyHandler, Http2HandlerBuilder> {
  private final HttpRoute route;
  private final @Nullable AccessLog accessLog;

  Http2HandlerBuilder(HttpRoute route, @Nullable AccessLog accessLog) {
    this.route = route;
    this.accessLog = accessLog;
    Http2Config c = route.config().http2();
    connection(Http2Connections.create(true)); // the connection says server or client: no server() with it
    initialSettings(Http2Settings.defaultSettings()
        .maxConcurrentStreams(c.maxConcurrentStreams())
        .initialWindowSize(c.initialWindow())
        .maxHeaderListSize(route.config().limits().maxHeaderSize()));
    int resetWindow = (int) Math.max(1, c.resetWindow().toSeconds());
    decoderEnforceMaxRstFramesPerWindow(c.maxResets(), resetWindow);
    encoderEnforceMaxRstFramesPerWindow(c.maxResets(), resetWindow);
    encoderEnforceMaxQueuedControlFrames(c.maxQueuedControlFrames());
    decoderEnforceMaxSmallContinuationFrames(c.maxSmallContinuationFrames());
    decoderEnforceMaxConsecutiveEmptyDataFrames(c.maxEmptyDataFrames());
    gracefulShutdownTimeoutMillis(0);
  }

  @Override
  protected Http2ProxyHandler build() {
    return super.build();
  }

  @Override
  protected Http2ProxyHandler build(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings initial) {
    return new Http2ProxyHandler(decoder, encoder, initial, route, accessLog);
  }
}
