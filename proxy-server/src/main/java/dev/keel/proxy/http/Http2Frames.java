package dev.keel.proxy.http;

import static io.netty.handler.codec.http2.Http2Error.ENHANCE_YOUR_CALM;

import dev.keel.proxy.http2.ControlFrameBudget;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2Connection;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Flags;
import io.netty.handler.codec.http2.Http2FrameListener;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the frames of an HTTP/2 client do, once Netty's codec has checked them: a stream's first
 * HEADERS begins its {@link Http2ClientStream} (objects reused within the connection), later HEADERS
 * are its trailers, DATA goes to it, RST_STREAM ends it; PING, SETTINGS and PRIORITY are counted
 * against {@link ControlFrameBudget}, and a PING answer may be the drain's. Each stream's object is
 * attached to Netty's stream, so none is looked up in a map of our own. Confined to the
 * connection's event loop.
 */
final class Http2Frames implements Http2FrameListener {
  private static final Logger log = LoggerFactory.getLogger(Http2Frames.class);
  /** Stream objects kept for reuse after their stream closed. */
  private static final int SPARE = 16;

  private final Http2ProxyHandler handler;
  private final Http2Connection connection;
  private final Http2Connection.PropertyKey key;
  private final ArrayDeque<Http2ClientStream> spare = new ArrayDeque<>(SPARE);
  private final ControlFrameBudget controlFrames;
  private final int maxControlFrames;

  Http2Frames(Http2ProxyHandler handler, int maxControlFrames) {
    this.handler = handler;
    this.connection = handler.connection();
    this.key = connection.newKey();
    this.controlFrames = new ControlFrameBudget(maxControlFrames);
    this.maxControlFrames = maxControlFrames;
  }

  /** The proxy sent the client HEADERS or DATA: its control frames are answered traffic again. */
  void traffic() {
    controlFrames.traffic();
  }

  /** The stream object of {@code s}, or null (a stream that was refused, or never began). */
  @Nullable Http2ClientStream of(Http2Stream s) {
    return s.getProperty(key);
  }

  private @Nullable Http2ClientStream of(int streamId) {
    Http2Stream s = connection.stream(streamId);
    return s == null ? null : s.getProperty(key);
  }

  /** {@code s} closed: its object ends, and is kept for a later stream. */
  void closed(Http2Stream s) {
    Http2ClientStream cs = s.removeProperty(key);
    if (cs != null) {
      handler.route().stats().streams.decrementAndGet();
      cs.closed();
      if (spare.size() < SPARE) {
        spare.add(cs);
      }
    }
  }

  @Override
  public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding, boolean endOfStream)
      throws Http2Exception {
    Http2Stream s = connection.stream(streamId);
    if (s == null) {
      return; // ignored by the codec (after GOAWAY)
    }
    Http2ClientStream known = s.getProperty(key);
    if (known != null) {
      known.trailers(headers, endOfStream);
      return;
    }
    handler.streamBegan();
    Http2ClientStream cs = spare.poll();
    if (cs == null) {
      cs = new Http2ClientStream(handler, handler.context());
    }
    s.setProperty(key, cs);
    handler.route().stats().streams.incrementAndGet();
    try {
      cs.begin(s, headers, endOfStream);
    } catch (Http2Exception | RuntimeException e) {
      s.removeProperty(key);
      handler.route().stats().streams.decrementAndGet();
      spare.add(cs);
      throw e;
    }
  }

  @Override
  public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
      short weight, boolean exclusive, int padding, boolean endOfStream) throws Http2Exception {
    onHeadersRead(ctx, streamId, headers, padding, endOfStream);
  }

  @Override
  public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream) {
    Http2ClientStream cs = of(streamId);
    boolean taken = cs != null && cs.data(data, endOfStream);
    // what the stream took goes back to the client as the exchange passes it on; the rest now
    return padding + (taken ? 0 : data.readableBytes());
  }

  @Override
  public void onRstStreamRead(ChannelHandlerContext ctx, int streamId, long errorCode) {
    handler.route().stats().streamResets.increment();
    Http2ClientStream cs = of(streamId);
    if (cs != null) {
      cs.clientReset();
    }
  }

  @Override
  public void onPriorityRead(ChannelHandlerContext ctx, int streamId, int streamDependency, short weight, boolean exclusive)
      throws Http2Exception {
    controlFrame("PRIORITY");
  }

  @Override
  public void onSettingsAckRead(ChannelHandlerContext ctx) {
  }

  @Override
  public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) throws Http2Exception {
    controlFrame("SETTINGS");
  }

  @Override
  public void onPingRead(ChannelHandlerContext ctx, long data) throws Http2Exception {
    controlFrame("PING");
  }

  @Override
  public void onPingAckRead(ChannelHandlerContext ctx, long data) {
    handler.pingAck(data);
  }

  private void controlFrame(String kind) throws Http2Exception {
    if (!controlFrames.take(handler.ticker().nanoTime())) {
      throw Http2Exception.connectionError(ENHANCE_YOUR_CALM, "%s frames beyond http2.max-control-frames (%d per 10 s)",
          kind, maxControlFrames);
    }
  }

  @Override
  public void onPushPromiseRead(ChannelHandlerContext ctx, int streamId, int promisedStreamId, Http2Headers headers, int padding) {
    // never from a client: the codec refuses it before this
  }

  @Override
  public void onGoAwayRead(ChannelHandlerContext ctx, int lastStreamId, long errorCode, ByteBuf debugData) {
    log.debug("client {} sent GOAWAY ({})", handler.peer(), Http2Error.valueOf(errorCode));
  }

  @Override
  public void onWindowUpdateRead(ChannelHandlerContext ctx, int streamId, int windowSizeIncrement) {
  }

  @Override
  public void onUnknownFrame(ChannelHandlerContext ctx, byte frameType, int streamId, Http2Flags flags, ByteBuf payload) {
    // RFC 9113 §4.1: unknown frame types are ignored
  }
}
