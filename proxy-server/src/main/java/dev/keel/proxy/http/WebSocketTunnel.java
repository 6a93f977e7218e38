package dev.keel.proxy.http;

import dev.keel.balancer.ConnectionLease;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebSocket tunnel after the 101: relays the bytes both ways while following their frames
 * ({@link WebSocketFrames}), marks its lease idle between messages and busy inside one, and closes
 * gracefully when shed or drained.
 *
 * <p>Graceful close: the proxy waits until <em>both</em> directions are at a message boundary at
 * the same moment (a buffer is split there when needed), then sends a Close frame with status 1012
 * (service restart) to the client and a masked one with 1012 to the upstream, and from then on
 * relays nothing: what either side sent after that point follows a Close and is discarded, as RFC
 * 6455 has a Close's receiver do. The halves then end on their own: the client connection is
 * closed once the client's Close answer has been read, the upstream one once the upstream's has
 * (read to the end first, so the close is a FIN, not a reset that could destroy the Close frame
 * in the upstream's receive buffer), each after {@link #CLOSE_TIMEOUT_NANOS} at the latest. So no
 * message is ever cut: each one arrives whole or not at all. A shed that finds no common boundary
 * within {@link #SHED_PATIENCE_NANOS} (a message streamed without pause) is taken back ({@link
 * ConnectionLease#keep()}); a drain keeps waiting until the shutdown grace ends it. A tunnel whose
 * framing cannot be followed is relayed as opaque bytes and stops being counted.
 *
 * <p>Relays between the exchange's two sinks: {@link ResponseSink} to the client (raw bytes after
 * the 101) and {@link RequestSink} to the upstream. Confined to the client connection's event loop,
 * except {@link #requestClose}.
 */
final class WebSocketTunnel implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(WebSocketTunnel.class);
  /** After the Close frames went out, how long the peers have to answer them. */
  static final long CLOSE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(5);
  /** How long a shed waits for a moment when both directions are between messages. */
  static final long SHED_PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(10);
  /** RFC 6455 §7.4 (IANA registry): the service is restarting; reconnect, after a while. */
  static final int SERVICE_RESTART = 1012;
  private static final byte[] REASON = "proxy rebalancing".getBytes(StandardCharsets.US_ASCII);

  private enum State { OPEN, PENDING, CLOSING }

  private final Exchange owner;
  private final ExchangeContext context;
  private final ResponseSink client;
  private @Nullable RequestSink up;
  private final @Nullable TunnelBalancing balancing;
  private @Nullable ConnectionLease lease;
  private final WebSocketFrames toClient = new WebSocketFrames();
  private final WebSocketFrames toUpstream = new WebSocketFrames();
  private State state = State.OPEN;
  private boolean shed;
  private boolean drain;
  private boolean idle;
  private @Nullable ScheduledFuture<?> timer;
  private boolean needUpstreamFlush;

  /** @param balancing the tunnel balancing of the exchange's service, or null */
  WebSocketTunnel(Exchange owner, ExchangeContext context, ResponseSink client, @Nullable RequestSink up,
      @Nullable ConnectionLease lease, @Nullable TunnelBalancing balancing) {
    this.owner = owner;
    this.context = context;
    this.client = client;
    this.up = up;
    this.balancing = balancing;
    this.lease = lease;
    if (lease != null && balancing != null) {
      balancing.register(lease, this);
      lease.markIdle();
      idle = true;
    }
  }

  /**
   * Turns the exchange's connection into this tunnel after the 101 {@code head}: counted (when
   * placed by the connection balancer) and followed frame by frame from here on; the bytes the
   * client side and the upstream's decoder still hold come out as raw bytes, through this tunnel.
   */
  void open(ResponseHead head) {
    context.route().stats().tunnels.incrementAndGet();
    client.switching(head);
    RequestSink u = up;
    if (u != null) {
      u.tunnel();
    }
    client.requestMore();
  }

  /** True once the Close frames went out: the client is read only for its Close answer. */
  boolean closing() {
    return state == State.CLOSING;
  }

  /** True while the client is read: the upstream can take more, or only the client's Close answer is awaited. */
  boolean wantsClientBytes() {
    RequestSink u = up;
    return state == State.CLOSING || (u != null && u.writable());
  }

  /** The end of a read from the client: what was relayed upstream is flushed. */
  void clientReadComplete() {
    RequestSink u = up;
    if (needUpstreamFlush && u != null) {
      needUpstreamFlush = false;
      u.flush();
    }
  }

  void fromClient(ByteBuf buf) {
    relay(buf, true);
  }

  void fromUpstream(ByteBuf buf) {
    relay(buf, false);
  }

  private void relay(ByteBuf buf, boolean fromClient) {
    WebSocketFrames f = fromClient ? toUpstream : toClient;
    WebSocketFrames other = fromClient ? toClient : toUpstream;
    int from = buf.readerIndex();
    int to = buf.writerIndex();
    if (state == State.CLOSING) {
      discard(buf, f);
      return;
    }
    if (state == State.PENDING && other.atMessageBoundary() && !closeSeen()) {
      // The other direction is between messages: close at this one's first message boundary.
      int at = f.atMessageBoundary() ? from : f.scan(buf, from, to, true);
      if (f.atMessageBoundary() && !closeSeen()) {
        if (at > from) {
          forward(buf.retainedSlice(from, at - from), fromClient);
        }
        commit();
        buf.readerIndex(at);
        discard(buf, f);
        return;
      }
      f.scan(buf, at, to, false);
    } else {
      f.scan(buf, from, to, false);
    }
    forward(buf, fromClient);
    moved();
  }

  private void forward(ByteBuf b, boolean fromClient) {
    if (!fromClient) {
      client.body(b);
      return;
    }
    RequestSink u = up;
    if (u == null) {
      b.release();
      return;
    }
    u.raw(b);
    needUpstreamFlush = true;
  }

  /** After bytes moved: idle/busy, a pending close that can happen now, framing lost. */
  private void moved() {
    if (toClient.broken() || toUpstream.broken()) {
      opaque();
      return;
    }
    boolean between = toClient.atMessageBoundary() && toUpstream.atMessageBoundary();
    if (state == State.PENDING && between) {
      if (closeSeen()) {
        abandon(); // the peers are closing by themselves
      } else {
        commit();
      }
      return;
    }
    ConnectionLease l = lease;
    if (l != null && between != idle) {
      idle = between;
      if (between) {
        l.markIdle();
      } else {
        l.markBusy();
      }
    }
  }

  private boolean closeSeen() {
    return toClient.closeSeen() || toUpstream.closeSeen();
  }

  /**
   * After the Close frames: follows the bytes only to see the Close answer, and drops them. (Only
   * the client's come here; the upstream's go to its {@link UpstreamCloser}, except the rest of
   * the buffer in which the close was decided.)
   */
  private void discard(ByteBuf buf, WebSocketFrames f) {
    f.scan(buf, buf.readerIndex(), buf.writerIndex(), false);
    buf.release();
    if (f == toUpstream && (f.closeSeen() || f.broken())) {
      finish();
    }
  }

  /**
   * Asks for a graceful close with 1012 at the next moment both directions are between messages,
   * after {@code delayNanos}. Any thread.
   *
   * @param shed true when rebalancing asks (then only while the lease is still being shed)
   */
  void requestClose(boolean shed, long delayNanos) {
    context.channel().eventLoop().schedule(() -> startClose(shed), delayNanos, TimeUnit.NANOSECONDS);
  }

  private void startClose(boolean byShed) {
    if (owner.phase() != Phase.TUNNEL || state == State.CLOSING) {
      return;
    }
    if (byShed) {
      ConnectionLease l = lease;
      if (l == null || !l.shedding()) {
        return; // taken back meanwhile, or no longer counted
      }
      shed = true;
    } else {
      drain = true;
    }
    if (toClient.broken() || toUpstream.broken()) {
      return; // opaque: a drain ends with the shutdown grace
    }
    if (state == State.OPEN) {
      state = State.PENDING;
      schedule(SHED_PATIENCE_NANOS);
    }
    moved();
  }

  private void commit() {
    state = State.CLOSING;
    Channel clientChannel = context.channel();
    client.body(closeFrame(clientChannel.alloc(), false));
    client.flush();
    RequestSink u = up;
    if (u != null) {
      // The upstream half goes its own way from here: the client's close no longer closes it.
      up = null;
      Channel ch = u.detach();
      ch.pipeline().addBefore(ch.pipeline().lastContext().name(), "ws-close", new UpstreamCloser());
      ch.writeAndFlush(closeFrame(ch.alloc(), true), ch.voidPromise());
      ch.eventLoop().schedule(() -> {
        ch.close();
      }, CLOSE_TIMEOUT_NANOS, TimeUnit.NANOSECONDS);
      ch.read();
    }
    if (shed) {
      context.route().stats().tunnelSheds.increment();
    }
    log.debug("tunnel from {}: closing with {} ({})", context.peer(), SERVICE_RESTART, shed ? "shed" : "drain");
    schedule(CLOSE_TIMEOUT_NANOS);
  }

  /** A Close frame with 1012, masked towards the upstream (RFC 6455 §5.3: a client masks). */
  static ByteBuf closeFrame(ByteBufAllocator alloc, boolean masked) {
    int len = 2 + REASON.length;
    ByteBuf b = alloc.buffer(2 + (masked ? 4 : 0) + len);
    b.writeByte(0x88); // FIN, opcode 8 (close)
    b.writeByte((masked ? 0x80 : 0) | len);
    byte[] payload = new byte[len];
    payload[0] = (byte) (SERVICE_RESTART >> 8);
    payload[1] = (byte) SERVICE_RESTART;
    System.arraycopy(REASON, 0, payload, 2, REASON.length);
    if (masked) {
      int key = ThreadLocalRandom.current().nextInt();
      b.writeInt(key);
      for (int i = 0; i < len; i++) {
        payload[i] ^= (byte) (key >>> (24 - 8 * (i & 3)));
      }
    }
    return b.writeBytes(payload);
  }

  private void abandon() {
    state = State.OPEN;
    cancelTimer();
  }

  /** The framing cannot be followed: relay as is, and stop counting the tunnel (it cannot be shed). */
  private void opaque() {
    log.debug("tunnel from {}: not WebSocket framing, relayed as opaque bytes", context.peer());
    abandon();
    ConnectionLease l = lease;
    lease = null;
    if (l != null && balancing != null) {
      balancing.forget(l);
    }
  }

  private void finish() {
    cancelTimer();
    owner.closeTunnel();
  }

  /** Close timeout, or shed patience. */
  @Override
  public void run() {
    timer = null;
    if (state == State.CLOSING) {
      finish();
    } else if (state == State.PENDING && !drain) {
      log.debug("tunnel from {}: no moment between messages within {} s, shed taken back", context.peer(),
          TimeUnit.NANOSECONDS.toSeconds(SHED_PATIENCE_NANOS));
      abandon();
      shed = false;
      ConnectionLease l = lease;
      if (l != null) {
        l.keep();
      }
    }
  }

  private void schedule(long delayNanos) {
    cancelTimer();
    timer = context.channel().eventLoop().schedule(this, delayNanos, TimeUnit.NANOSECONDS);
  }

  private void cancelTimer() {
    ScheduledFuture<?> t = timer;
    if (t != null) {
      t.cancel(false);
      timer = null;
    }
  }

  /** The client connection is gone: the lease stops counting (after the reconnect grace when shed). */
  void end() {
    context.route().stats().tunnels.decrementAndGet();
    cancelTimer();
    ConnectionLease l = lease;
    lease = null;
    if (l != null && balancing != null) {
      balancing.end(l, shed && state == State.CLOSING, context.channel().eventLoop());
    }
  }

  /**
   * Ends the upstream half after the proxy's Close: reads and drops everything until the upstream's
   * Close answer (or its end of stream), then closes. Sits before the connection's own handler.
   */
  private final class UpstreamCloser extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext c, Object msg) {
      if (msg instanceof ByteBuf b) {
        toClient.scan(b, b.readerIndex(), b.writerIndex(), false);
      }
      ReferenceCountUtil.release(msg);
      if (toClient.closeSeen() || toClient.broken()) {
        c.close();
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext c) {
      c.read();
    }
  }

  @Override
  public String toString() {
    return "tunnel from " + context.peer() + " (" + state + ")";
  }
}
