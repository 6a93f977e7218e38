package dev.keel.proxy.h2up;

import dev.keel.balancer.ConnectionLease;
import dev.keel.balancer.FailureKind;
import dev.keel.proxy.upstream.Backend;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2CodecUtil;
import io.netty.handler.codec.http2.Http2ConnectionAdapter;
import io.netty.handler.codec.http2.Http2ConnectionDecoder;
import io.netty.handler.codec.http2.Http2ConnectionEncoder;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.io.IOException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One multiplexed HTTP/2 connection to an instance, and the last handler of its channel: Netty's
 * HTTP/2 codec below, the proxy's streams ({@link H2Stream}) above. Its states:
 *
 * <ul>
 *   <li><b>connecting</b> until the instance's first SETTINGS arrive (they say how many streams it
 *       takes): streams wait here, up to {@link H2Options#assumedCapacity()};
 *   <li><b>ready</b>: streams start at once while fewer run than the instance's
 *       {@code SETTINGS_MAX_CONCURRENT_STREAMS} (capped by {@code upstream.max-streams});
 *   <li><b>draining</b>: no new streams (the instance sent GOAWAY, rebalancing shed it, its pool
 *       closed); it closes, GOAWAY first, once its last stream ended;
 *   <li><b>closed</b>: every stream not ended failed; streams the instance never processed (above a
 *       GOAWAY's last-stream-id, REFUSED_STREAM) fail as refused, so the exchange sends them elsewhere.
 * </ul>
 *
 * A silent connection is PINGed ({@link H2Keepalive}); one without streams for the idle timeout is
 * closed, and so is one without streams to an instance that left discovery (its streams finish
 * first: nothing new is placed there). Its lease on the listener's connection balancer counts it on its backend, busy while it
 * has streams, idle without.
 *
 * <p>Confined to its channel's event loop, which is its pool's.
 */
public final class H2Connection extends Http2ConnectionHandler {
  private static final Logger log = LoggerFactory.getLogger(H2Connection.class);

  private final H2Pool pool;
  private final Backend backend;
  private final H2Options options;
  private final H2Stats stats;
  private @Nullable ChannelHandlerContext ctx;
  private @Nullable H2Writer writer;
  private boolean ready;
  private boolean draining;
  private boolean closed;
  private boolean active;
  private boolean gone;
  private final H2Slots slots;
  private final H2StreamTable table;
  private @Nullable ConnectionLease lease;
  private @Nullable H2Keepalive keepalive;
  private @Nullable Throwable closeCause;

  H2Connection(Http2ConnectionDecoder decoder, Http2ConnectionEncoder encoder, Http2Settings settings,
      H2Pool pool, Backend backend, H2Options options, H2Stats stats) {
    super(decoder, encoder, settings);
    this.pool = pool;
    this.backend = backend;
    this.options = options;
    this.stats = stats;
    this.slots = new H2Slots(this, backend, options.assumedCapacity());
    this.table = new H2StreamTable(connection(), slots, stats);
    connection().addListener(new Http2ConnectionAdapter() {
      @Override
      public void onStreamClosed(Http2Stream stream) {
        table.closed(stream, closed ? closeCause : null);
      }

      @Override
      public void onGoAwayReceived(int lastStreamId, long errorCode, ByteBuf debugData) {
        goAwayReceived(lastStreamId, errorCode);
      }
    });
    decoder.frameListener(new H2Frames(this));
  }

  /** A new connection's handler: the proxy as HTTP/2 client with {@code options}. */
  static H2Connection create(H2Pool pool, Backend backend, H2Options options, H2Stats stats) {
    return new H2ConnectionBuilder(pool, backend, options, stats).build();
  }

  public Backend backend() {
    return backend;
  }

  /** The proxy's streams here, as the codec knows them. */
  H2StreamTable table() {
    return table;
  }

  H2Pool pool() {
    return pool;
  }

  /** Streams running here now. */
  public int streams() {
    return slots.running();
  }

  boolean ready() {
    return ready;
  }

  boolean draining() {
    return draining || closed;
  }

  /** Streams that may run here at once now. */
  int capacity() {
    return ready ? options.capacity(connection().local().maxActiveStreams()) : options.assumedCapacity();
  }

  void lease(@Nullable ConnectionLease l) {
    lease = l;
  }

  @Nullable ConnectionLease lease() {
    return lease;
  }

  /** Takes {@code s} when there is room: it starts now (ready) or waits for SETTINGS (connecting). */
  boolean offer(H2Stream s) {
    if (draining || closed) {
      return false;
    }
    if (!ready) {
      return slots.offerWaiting(s);
    }
    if (slots.running() >= capacity()) {
      return false;
    }
    slots.start(s);
    return true;
  }

  /** The first stream started: the connection counts as busy (shed last). */
  void busy() {
    ConnectionLease l = lease;
    if (l != null) {
      l.markBusy();
    }
    H2Keepalive k = keepalive;
    if (k != null) {
      k.busy();
    }
  }

  /** The last stream ended: idle (shed first, closed after the idle timeout), or closed when draining. */
  void idle() {
    ConnectionLease l = lease;
    if (l != null) {
      l.markIdle();
    }
    H2Keepalive k = keepalive;
    if (k != null) {
      k.idle();
    }
    if (draining && !closed) {
      close("drained");
    } else if (backend.removed() && ready) {
      close("its instance left discovery"); // no stream will be sent there again
    }
  }

  // ---- the channel ----

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
    this.ctx = ctx;
    this.writer = new H2Writer(this, ctx, table.key());
    super.handlerAdded(ctx);
    encoder().flowController().listener(table::writabilityChanged);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    active = true;
    backend.connectionOpened();
    super.channelActive(ctx); // the preface and SETTINGS
    // The connection window is kept wide open: what bounds memory is each stream's window, which
    // a stalled stream holds alone; a tight connection window would let it block the others.
    Http2Stream connectionStream = connection().connectionStream();
    int grow = Integer.MAX_VALUE - decoder().flowController().initialWindowSize(connectionStream);
    decoder().flowController().incrementWindowSize(connectionStream, grow);
    ctx.channel().config().setAutoRead(true); // every stream's window bounds what it may send
    keepalive = new H2Keepalive(this, ctx, options);
    ctx.flush();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
    H2Keepalive k = keepalive;
    if (k != null) {
      k.heard();
    }
    super.channelRead(ctx, msg);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
    table.readComplete();
    super.channelReadComplete(ctx);
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof SslHandshakeCompletionEvent failed && !failed.isSuccess()) {
      closeCause = failed.cause(); // its streams fail with it
    }
    super.userEventTriggered(ctx, evt);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) throws Exception {
    if (closeCause == null && !(Http2CodecUtil.getEmbeddedHttp2Exception(cause) instanceof Http2Exception.StreamException)) {
      closeCause = cause;
    }
    log.debug("upstream HTTP/2 connection to {}: {}", backend, cause.toString());
    if (Http2CodecUtil.getEmbeddedHttp2Exception(cause) == null) {
      ctx.close(); // an I/O or TLS failure (or no h2 by ALPN): its streams fail with it, nothing goes further
      return;
    }
    super.exceptionCaught(ctx, cause);
  }

  /**
   * A stream the instance left out by its GOAWAY (above the last-stream-id) is not reset: the
   * instance never saw it, and Netty, like other servers, takes a frame on a stream it never opened
   * as a protocol error of the whole connection, cutting the streams it is still finishing. Netty's
   * flow controller would otherwise reset such a stream when it drops the DATA it still held for it.
   */
  @Override
  protected void onStreamError(ChannelHandlerContext ctx, boolean outbound, Throwable cause,
      Http2Exception.StreamException e) {
    if (outbound && table.leftOutByGoAway(e.streamId())) {
      return;
    }
    super.onStreamError(ctx, outbound, cause, e);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    Throwable cause = closeCause != null ? closeCause : new IOException("upstream HTTP/2 connection to " + backend + " closed");
    closeCause = cause;
    closed = true;
    super.channelInactive(ctx); // closes every stream still open: streamClosed fails them
    lost(cause);
    if (active) {
      active = false;
      backend.connectionClosed();
    }
  }

  /** The connect failed, or the connection is gone: everything still here fails. Idempotent. */
  void lost(Throwable cause) {
    if (gone) {
      return;
    }
    gone = true;
    closed = true;
    H2Keepalive k = keepalive;
    if (k != null) {
      k.stop();
    }
    slots.failWaiting(cause, false); // never sent: the exchange retries them like a failed connect
    slots.closeRunning(cause);
    pool.closed(this);
  }

  // ---- what the codec tells ----

  /** The instance's SETTINGS: the first ones make the connection ready. */
  void settingsRead() {
    if (ready || closed) {
      return;
    }
    ready = true;
    slots.startWaiting(draining ? 0 : capacity(), pool);
    if (slots.running() == 0) {
      idle();
    }
  }

  private void goAwayReceived(int lastStreamId, long errorCode) {
    stats.goAways.increment();
    log.debug("GOAWAY from {} ({}, last stream {}): draining", backend, H2Stream.errorName(errorCode), lastStreamId);
    table.goAwayReceived(lastStreamId);
    slots.failWaiting(new IOException("GOAWAY from " + backend + " before the stream was sent"), true);
    drain();
  }

  /** Takes no new streams; closes once the last one ended. */
  void drain() {
    if (draining || closed) {
      return;
    }
    draining = true;
    pool.draining(this);
    if (slots.running() == 0 && ready) {
      close("drained");
    }
  }

  /** Closes now: GOAWAY, then the channel; streams still here fail. */
  void close(String why) {
    ChannelHandlerContext c = ctx;
    if (c != null && !closed) {
      log.debug("closing upstream HTTP/2 connection to {}: {}", backend, why);
      draining = true;
      c.channel().close(); // from the tail, through this handler: GOAWAY first
    }
  }

  /** A PING went unanswered: the connection is dead; its streams fail at once. */
  void dead() {
    stats.pingTimeouts.increment();
    closeCause = new IOException("no PING answer from " + backend + " within upstream.ping-timeout");
    close("ping timeout");
  }

  // ---- what streams write ----

  boolean inPipeline() {
    return writer != null;
  }

  /** The connection's writer, once it is in a pipeline. */
  H2Writer writer() {
    H2Writer w = writer;
    if (w == null) {
      throw new IllegalStateException("not added to a pipeline");
    }
    return w;
  }

  /** Opens {@code s}'s stream with its HEADERS; null when that was refused at once (it then fails, refused). */
  @Nullable Http2Stream open(H2Stream s, Http2Headers headers, boolean endStream) {
    Http2Stream st = writer().open(s, headers, endStream);
    if (st == null) {
      // stream ids ran out, or the codec refused it (GOAWAY, its limit): nothing went out
      slots.remove(s);
      drain();
      pool.loop().execute(() -> s.fail(FailureKind.RESET, new IOException("cannot open a stream to " + backend), true));
    }
    return st;
  }

  /**
   * {@code s} is cancelled: it gives up its place; its stream, still open either way, is reset. One
   * given up without an answer (its deadline passed, say) makes a silent connection prove it is
   * alive ({@link H2Keepalive#probe()}).
   */
  void cancel(H2Stream s, @Nullable Http2Stream st, boolean complete, boolean answered) {
    if (!answered) {
      H2Keepalive k = keepalive;
      if (k != null) {
        k.probe();
      }
    }
    if (slots.unwait(s)) {
      return;
    }
    if (st == null) {
      slots.remove(s); // started, but its HEADERS never went
      return;
    }
    if (!complete && st.state() != Http2Stream.State.CLOSED) {
      writer().cancel(st);
    }
  }

  /** Sends a PING carrying {@code data}. */
  void ping(long data) {
    writer().ping(data);
  }

  void pingAck(long data) {
    H2Keepalive k = keepalive;
    if (k != null) {
      k.answered(data);
    }
  }

  @Override
  public String toString() {
    return "h2 connection to " + backend + (draining ? " (draining)" : "");
  }
}
