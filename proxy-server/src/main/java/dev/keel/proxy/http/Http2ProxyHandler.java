package dev.keel.proxy.http;

import dev.keel.proxy.accesslog.AccessLog;
import static io.netty.handler.codec.http2.Http2Error.ENHANCE_YOUR_CALM;

import dev.keel.proxy.config.Http2Config;
import dev.keel.proxy.http2.GoAwayDrain;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.concurrent.Ticker;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/2 client connection of an HTTP listener: Netty's HTTP/2 codec (frames, HPACK, stream
 * states, flow-control windows, and the limits of {@link Http2Config}), and one {@link Exchange}
 * per stream ({@link Http2ClientStream}). It reads all the time (flow control bounds what a client
 * can send ahead), dispatches the streams that began in a read at its end (so a stream reset in
 * the same read costs no upstream work), flushes responses once per loop iteration rather than
 * once per upstream read, keeps the connection's clocks ({@link Http2Clocks}), and drains it with
 * two GOAWAYs on shutdown, reload or {@code max-connection-age} ({@link GoAwayDrain}). Its codec
 * and limits are built by {@link Http2HandlerBuilder}.
 *
 * <p>Floods are answered with GOAWAY ENHANCE_YOUR_CALM and a close: RST_STREAM beyond {@code
 * max-resets} per window (CVE-2023-44487), and resets the client makes the proxy send (Netty's
 * limiters); PING, SETTINGS and PRIORITY beyond {@code max-control-frames} ({@link
 * dev.keel.proxy.http2.ControlFrameBudget}); header blocks beyond {@code limits.max-header-size}, small CONTINUATION
 * frames, empty DATA frames and unread control-frame acknowledgements beyond their limits (Netty).
 *
 * <p>Everything runs on the connection's event loop, which its upstream connections share.
 */
public final class Http2ProxyHandler extends Http2ConnectionHandler {
  private static final Logger log = LoggerFactory.getLogger(Http2ProxyHandler.class);

  private final HttpRoute route;
  private final @Nullable AccessLog accessLog;
  private final Http2Config settings;
  private final Http2Frames frames;
  private final ArrayList<Http2ClientStream> touched = new ArrayList<>(8);
  private final Runnable flushTask = this::flushNow;
  private @Nullable ChannelHandlerContext ctx;
  private @Nullable ExchangeContext context;
  private @Nullable RoutedRequest routing;
  private @Nullable GoAwayDrain drain;
  private @Nullable Http2Clocks clocks;
  private String peer = "";
  private boolean trustedPeer;
  private boolean reading;
  private boolean flushScheduled;
  // inside a frame write: a flush then would split the frame's two buffers (see flushNow)
  private int writing;
  private boolean flushAfterWrite;
  private boolean counted;

  /** Made by {@link Http2HandlerBuilder}: Netty's codec with the listener's limits. */
  Http2ProxyHandler(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings initial,
      HttpRoute route, @Nullable AccessLog accessLog) {
    super(decoder, encoder, initial, true); // GOAWAY is this handler's to send: a close is a close
    this.route = route;
    this.accessLog = accessLog;
    this.settings = route.config().http2();
    this.frames = new Http2Frames(this, settings.maxControlFrames());
    decoder.frameListener(frames);
    connection().addListener(new Http2ConnectionAdapter() {
      @Override
      public void onStreamClosed(Http2Stream stream) {
        frames.closed(stream);
        GoAwayDrain d = drain;
        if (d != null) {
          d.streamClosed();
        }
      }
    });
    encoder.flowController().listener(this::writabilityChanged);
  }

  /** A handler for a new client connection of {@code route}'s listener (one per connection). */
  public static Http2ProxyHandler create(HttpRoute route) {
    return create(route, null);
  }

  /** As above, each stream logged to {@code accessLog} (null: none). */
  public static Http2ProxyHandler create(HttpRoute route, @Nullable AccessLog accessLog) {
    return new Http2HandlerBuilder(route, accessLog).build();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    super.handlerAdded(ctx); // sends the connection preface (SETTINGS) once the channel is active
    this.ctx = ctx;
    Ticker ticker = ctx.executor().ticker();
    if (ctx.channel().remoteAddress() instanceof InetSocketAddress remote) {
      peer = remote.getAddress().getHostAddress();
      trustedPeer = route.config().trusts(remote.getAddress());
    }
    UpstreamConnector upstreams = Http1Upstream.connector(route.pool(ctx.channel().eventLoop()));
    context = new ExchangeContext(route, upstreams, ticker, peer, ctx.channel());
    // to HTTP/2 instances the client's "te: trailers" is kept (gRPC requires it) and no framing field is added
    routing = new RoutedRequest(route, peer, trustedPeer, route.http2Upstream());
    drain = new GoAwayDrain(this, ctx, settings.drainTimeout().toNanos());
    clocks = new Http2Clocks(this, ctx, route.idleNanos, settings.maxConnectionAge().toNanos());
    // room for every stream's window at once: a stalled stream never holds the others' window
    int window = settings.connectionWindow() - Http2CodecUtil.DEFAULT_WINDOW_SIZE;
    if (window > 0) {
      connection().local().flowController().incrementWindowSize(connection().connectionStream(), window);
    }
    counted = true;
    route.stats().connections.incrementAndGet();
    route.stats().http2Connections.incrementAndGet();
    ctx.read();
  }

  // What the streams use.

  HttpRoute route() {
    return route;
  }

  @Nullable AccessLog accessLog() {
    return accessLog;
  }

  /** Routes a stream's request: one per connection, streams begin one at a time on its loop. */
  RoutedRequest routing() {
    return active(routing);
  }

  Http2Config settings() {
    return settings;
  }

  String peer() {
    return peer;
  }

  ChannelHandlerContext ctx() {
    return active(ctx);
  }

  Ticker ticker() {
    return ctx().executor().ticker();
  }

  ExchangeContext context() {
    return active(context);
  }

  /** A stream began: the connection is not idle. */
  void streamBegan() {
    active(clocks).streamBegan();
  }

  /** A PING answer came: the drain's, or a client's own. */
  void pingAck(long data) {
    GoAwayDrain d = drain;
    if (d != null) {
      d.pingAck(data);
    }
  }

  /** Lists {@code s} for the end of this read (dispatch, or a flush upstream). */
  void touch(Http2ClientStream s) {
    if (s.touch()) {
      touched.add(s);
    }
  }

  /** Gives {@code n} bytes of {@code stream}'s window back to the client (WINDOW_UPDATE as Netty's ratio says). */
  void consume(Http2Stream stream, int n) {
    try {
      if (decoder().flowController().consumeBytes(stream, n)) {
        flushSoon(); // a WINDOW_UPDATE was written (outside a read, nothing else would flush it)
      }
    } catch (Http2Exception e) {
      onError(ctx(), false, e);
    }
  }

  boolean writable(Http2Stream stream) {
    return encoder().flowController().isWritable(stream);
  }

  void writeHeaders(int streamId, Http2Headers headers, boolean endStream) {
    frames.traffic();
    writing++;
    try {
      encoder().writeHeaders(ctx(), streamId, headers, 0, endStream, ctx().voidPromise());
    } finally {
      wrote();
    }
  }

  void writeData(int streamId, ByteBuf data, boolean endStream) {
    frames.traffic();
    writing++;
    try {
      encoder().writeData(ctx(), streamId, data, 0, endStream, ctx().voidPromise());
    } finally {
      wrote();
    }
  }

  private void wrote() {
    if (--writing == 0 && flushAfterWrite) {
      flushAfterWrite = false;
      flushNow();
    }
  }

  void resetStream(int streamId, Http2Error error) {
    resetStream(ctx(), streamId, error.code(), ctx().voidPromise());
  }

  /** Flushes once the loop is done with what it is doing now (or at the end of the read in progress). */
  void flushSoon() {
    if (!reading && !flushScheduled) {
      flushScheduled = true;
      ctx().executor().execute(flushTask);
    }
  }

  private void flushNow() {
    if (writing > 0) {
      // a frame is written as a header and a payload: a flush (of flow-controlled DATA) between the
      // two would put another frame inside it. No event loop runs a task there; an embedded one may.
      flushAfterWrite = true;
      return;
    }
    flushScheduled = false;
    ChannelHandlerContext c = ctx;
    if (c != null && c.channel().isActive()) {
      flush(c);
    }
  }

  void wakeAt(long deadlineNanos) {
    active(clocks).wakeAt(deadlineNanos);
  }

  // Reading.

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    reading = true;
    super.channelRead(ctx, msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
    try {
      for (int i = 0; i < touched.size(); i++) {
        touched.get(i).readComplete();
      }
    } finally {
      touched.clear();
      reading = false;
      super.channelReadComplete(ctx); // flushes, and reads on
    }
  }

  // Streams and the connection.

  private void writabilityChanged(Http2Stream stream) {
    Http2ClientStream cs = frames.of(stream);
    if (cs != null) {
      cs.writabilityChanged();
    }
  }

  /** Drains the connection (two GOAWAYs): in-flight streams finish within {@code http2.drain-timeout}. */
  void goAway(String why) {
    GoAwayDrain d = drain;
    if (d != null && d.start()) {
      route.stats().goAways.increment();
      log.debug("draining HTTP/2 connection from {} ({})", peer, why);
    }
  }

  /** No stream for the idle timeout: GOAWAY and close. */
  void idle() {
    ChannelHandlerContext c = ctx();
    route.stats().goAways.increment();
    goAway(c, connection().remote().lastStreamCreated(), Http2Error.NO_ERROR.code(), io.netty.buffer.Unpooled.EMPTY_BUFFER,
        c.newPromise()).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
    flush(c);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt == HttpProxyHandler.GracefulClose.INSTANCE) {
      goAway("shutdown or reload");
    } else {
      super.userEventTriggered(ctx, evt);
    }
  }

  @Override
  protected void onConnectionError(ChannelHandlerContext ctx, boolean outbound, Throwable cause,
      @Nullable Http2Exception http2Ex) {
    if (http2Ex != null && http2Ex.error() == ENHANCE_YOUR_CALM) {
      route.stats().calmed.increment();
      log.debug("HTTP/2 connection from {} closed: {}", peer, http2Ex.getMessage());
    } else {
      log.debug("HTTP/2 connection from {}: {}", peer, String.valueOf(cause));
    }
    super.onConnectionError(ctx, outbound, cause, http2Ex);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
    if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) != null) {
      super.exceptionCaught(ctx, cause);
      return;
    }
    if (cause instanceof IOException) {
      log.debug("client connection from {}: {}", peer, cause.toString());
    } else {
      log.warn("HTTP/2 client connection from {} closed on an unexpected error", peer, cause);
    }
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    try {
      super.channelInactive(ctx); // closes every stream: their exchanges end
    } finally {
      stop();
    }
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) throws Exception {
    stop();
    super.handlerRemoved0(ctx);
  }

  private void stop() {
    if (counted) {
      counted = false;
      route.stats().connections.decrementAndGet();
      route.stats().http2Connections.decrementAndGet();
    }
    GoAwayDrain d = drain;
    if (d != null) {
      d.stop();
    }
    Http2Clocks c = clocks;
    if (c != null) {
      c.stop();
    }
  }

  /** Visits the stream objects of the open streams. */
  void forEachStream(java.util.function.Consumer<Http2ClientStream> visit) {
    try {
      connection().forEachActiveStream(s -> {
        Http2ClientStream cs = frames.of(s);
        if (cs != null) {
          visit.accept(cs);
        }
        return true;
      });
    } catch (Http2Exception e) {
      onError(ctx(), false, e);
    }
  }

  private static <T> T active(@Nullable T value) {
    if (value == null) {
      throw new IllegalStateException("not active");
    }
    return value;
  }
}
