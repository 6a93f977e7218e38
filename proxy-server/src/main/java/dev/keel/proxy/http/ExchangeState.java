package dev.keel.proxy.http;

import dev.keel.balancer.ConnectionLease;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.FailureKind;
import dev.keel.proxy.upstream.Backend;
import dev.keel.proxy.upstream.UpstreamConnection;
import dev.keel.proxy.upstream.UpstreamPool;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state of one client connection and of the exchange in progress on it, with the small
 * helpers both directions share. {@link HttpProxyHandler} is the client side, {@link UpstreamSide}
 * the upstream side; the three make one object per client connection, confined to its event loop.
 * One instance serves every exchange of the connection, so a request allocates no state object.
 */
abstract class ExchangeState extends ChannelInboundHandlerAdapter implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(ExchangeState.class);

  /** Ticks of half the idle timeout with nothing read before a side counts as idle: silent for 1 to 1.5 idle timeouts. */
  static final int IDLE_TICKS = 3;

  final HttpRoute route;
  final ReadDeadlines deadlines;
  final RequestHead head = new RequestHead();
  final UpstreamConnection[] connecting = new UpstreamConnection[1];
  @Nullable ChannelHandlerContext ctx;
  @Nullable UpstreamPool pool;
  String peer = "";
  boolean trustedPeer;

  // The exchange in progress.
  @Nullable HttpRequest request;
  @Nullable Backend backend;
  @Nullable String requestToken;
  @Nullable CharSequence affinityKey;
  // Endpoints tried for the request in progress (retries avoid them); allocated on the first retry.
  @Nullable ArrayList<Endpoint> tried;
  @Nullable UpstreamConnection up;
  // The lease of the tunnel a WebSocket upgrade asks for, until the 101 hands it to the tunnel.
  @Nullable ConnectionLease tunnelLease;
  @Nullable WebSocketTunnel ws;
  boolean active;
  boolean connectPending;
  boolean requestDone;
  boolean wroteUpstream;
  boolean responseStarted;
  boolean interim;
  boolean switching;
  boolean tunnel;
  boolean closing;
  boolean keepAlive;
  boolean closeAfterResponse;
  boolean http10;
  boolean isHead;
  boolean retryable;
  boolean websocket;
  boolean expectContinue;
  boolean upstreamKeepAlive;
  // the request in progress goes upstream chunked (else with its Content-Length, or without body)
  boolean upstreamChunked;
  // a final response head held back until its small body is in (then both leave in one buffer)
  @Nullable ByteBuf pendingHead;
  // how the response in progress is framed to the client
  ResponseWriter.Framing clientFraming = ResponseWriter.Framing.NONE;
  boolean needUpstreamFlush;
  boolean counted;
  int attempts;
  int responseStatus;
  long bodyBytes;
  long startNanos;
  long latencyNanos;
  long deadlineNanos;
  // Idle: ticks since the client / the tunnel's upstream last sent something (a field store per read, no clock).
  int clientQuietTicks;
  int upstreamQuietTicks;
  @Nullable ScheduledFuture<?> idleTicker;
  @Nullable ScheduledFuture<?> timer;
  @Nullable ArrayDeque<Object> pendingUp;
  @Nullable ArrayDeque<Object> pipelined;

  ExchangeState(HttpRoute route, ReadDeadlines deadlines) {
    this.route = route;
    this.deadlines = deadlines;
  }

  /** Answers {@code status} and closes, unless a response is already under way (then just closes). */
  abstract void fail(HttpResponseStatus status);

  /** The current attempt failed before a response was complete: retry, or answer 502/504. */
  abstract void upstreamFailed(FailureKind outcome);

  /** Reads the next client message when the exchange can take it. */
  abstract void readClientIfReady();

  /** Handles a queued (pipelined) client message as if it had just been read. */
  abstract void replay(Object msg);

  /**
   * Picks a backend and sends the request there: the persisted one or the policy's choice, or on a
   * retry one not yet {@link #tried}.
   */
  abstract void dispatch();

  void report(boolean success) {
    Backend b = backend;
    if (b != null && counted) {
      counted = false;
      if (success && responseStatus >= 500) {
        b.endpoint().onFailure(FailureKind.HTTP_5XX);
      } else if (success) {
        b.endpoint().onSuccess(latencyNanos);
      } else {
        b.endpoint().release();
      }
    }
  }

  void resetExchange() {
    closeTunnelLease();
    active = false;
    request = null;
    backend = null;
    requestToken = null;
    if (tried != null) {
      tried.clear();
    }
    affinityKey = null;
    connectPending = false;
    requestDone = false;
    wroteUpstream = false;
    forgetResponse();
    closeAfterResponse = false;
    attempts = 0;
    bodyBytes = 0;
  }

  /** Forgets the response of the attempt (its held head released): none has started. */
  void forgetResponse() {
    dropPendingHead();
    responseStarted = false;
    interim = false;
    upstreamKeepAlive = false;
    clientFraming = ResponseWriter.Framing.NONE;
    responseStatus = 0;
  }

  /** Releases a held-back response head that will not be sent (the exchange failed or the connection closed). */
  void dropPendingHead() {
    ByteBuf h = pendingHead;
    if (h != null) {
      pendingHead = null;
      h.release();
    }
  }

  /** The upgrade did not become a tunnel (or is tried elsewhere): its lease stops counting. */
  void closeTunnelLease() {
    ConnectionLease l = tunnelLease;
    if (l != null) {
      tunnelLease = null;
      l.close();
    }
  }

  /** Releases the upstream connection: back to the pool when {@code reusable}, else closed. */
  void release(boolean reusable) {
    UpstreamConnection u = up;
    up = null;
    connectPending = false;
    if (u != null) {
      u.release(reusable);
    }
  }

  void releasePending() {
    drain(pendingUp);
    drain(pipelined);
  }

  static void drain(@Nullable ArrayDeque<Object> q) {
    if (q != null) {
      Object m;
      while ((m = q.poll()) != null) {
        ReferenceCountUtil.release(m);
      }
    }
  }

  void queuePipelined(Object msg) {
    if (pipelined == null) {
      pipelined = new ArrayDeque<>(4);
    }
    pipelined.add(msg);
  }

  void armTimer(long now) {
    deadlineNanos = now + route.requestTimeoutNanos;
    if (timer == null) {
      timer = ctx.executor().schedule(this, route.requestTimeoutNanos, TimeUnit.NANOSECONDS);
    }
  }

  /**
   * Starts the idle ticker: every half idle timeout, one more quiet tick on each side, and a
   * connection quiet for {@link #IDLE_TICKS} ticks is idle. Cheaper than timing each read.
   */
  void startIdleTicker() {
    long period = route.idleNanos / 2;
    if (period > 0) {
      idleTicker = ctx.executor().scheduleAtFixedRate(this::idleTick, period, period, TimeUnit.NANOSECONDS);
    }
  }

  void stopIdleTicker() {
    ScheduledFuture<?> t = idleTicker;
    if (t != null) {
      idleTicker = null;
      t.cancel(false);
    }
  }

  private void idleTick() {
    // The upstream is only waited on while the client can take more: a slow reader is not a stall.
    upstreamQuietTicks = ctx.channel().isWritable() ? upstreamQuietTicks + 1 : 0;
    if (++clientQuietTicks >= IDLE_TICKS) {
      onIdle();
    }
  }

  /**
   * The client sent nothing for the idle timeout; the upstream too, if {@link #upstreamQuietTicks}
   * reached {@link #IDLE_TICKS}.
   */
  abstract void onIdle();

  /**
   * The request timer: one per connection, re-armed lazily so requests do not each schedule one.
   * It runs until the response head is out: for a body of at most 2 KiB, until that body is in.
   */
  @Override
  public void run() {
    timer = null;
    if (!active || (responseStarted && pendingHead == null) || tunnel || closing) {
      return; // a head held for its small body is not out yet: the deadline covers that body too
    }
    long left = deadlineNanos - System.nanoTime();
    if (left > 0) {
      timer = ctx.executor().schedule(this, left, TimeUnit.NANOSECONDS);
      return;
    }
    log.debug("no response from {} within {}", backend, route.config().timeouts().request());
    upstreamFailed(FailureKind.TIMEOUT);
  }
}
