package dev.keel.proxy.http;

import dev.keel.balancer.FailureKind;
import dev.keel.proxy.routing.ServiceEntry;
import dev.keel.proxy.upstream.Backend;
import dev.keel.registry.internal.LogSafe;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request and its response, whatever the transport: picks a backend, sends the request through
 * an upstream ({@link RequestSink}), relays the response to the client ({@link ResponseSink}),
 * retries where that is safe, times the wait for the response, reports the outcome to the balancer,
 * and after a 101 relays a WebSocket tunnel. Its {@link Phase} changes only in {@link #moveTo},
 * which refuses moves the phase diagram does not have. What to do when the request goes wrong
 * (retry elsewhere, or answer) is its {@link Recovery}'s to decide; the wait for the response is
 * timed by its {@link ResponseDeadlines}; its service is opened by its {@link ServiceOpening}.
 *
 * <p>Knows no framing: an HTTP/1.1 connection ({@link HttpProxyHandler}) or an HTTP/2 stream
 * ({@link Http2ClientStream}) feeds it. Every field is set anew by {@link #begin} for each request
 * (an HTTP/1.1 connection reuses its exchange object for the next request once one is done; an
 * HTTP/2 stream has its own), and the attempt's by {@link Attempt#begin} for each try; late events of an
 * earlier request or try reach nobody (a released upstream calls no more). Confined to the client
 * connection's event loop; never blocks.
 */
final class Exchange {
  private static final Logger log = LoggerFactory.getLogger(Exchange.class);

  private final ExchangeContext context;
  private final HttpRoute route;
  private final ResponseSink client;
  // The request (its head, facts and body) and where its attempts go: each reset by begin.
  private final ClientRequest body;
  private final Placement placement;
  // The request's route, set by begin; its service is opened for the tries by services.
  private @Nullable ListenerRoute rule;
  private final ServiceOpening services;
  private Phase phase = Phase.DONE;
  private boolean websocket;
  private final Recovery recovery;
  private final ResponseDeadlines deadlines;
  // The upstream side, a field: begun anew for each try; attempt is it while a try is under way.
  private final Attempt slot;
  private @Nullable Attempt attempt;
  private @Nullable WebSocketTunnel tunnel;

  Exchange(ExchangeContext context, ResponseSink client) {
    this.context = context;
    this.route = context.route();
    this.client = client;
    this.body = new ClientRequest(route.maxBody, route.replayLimit);
    this.placement = new Placement();
    this.slot = new Attempt(this, client);
    this.recovery = new Recovery(this, context, body, client, placement);
    this.deadlines = new ResponseDeadlines(this, context, client, recovery);
    this.services = new ServiceOpening(this, context, recovery);
  }

  /**
   * Starts the exchange of {@code request}: every field set anew.
   *
   * @param head what the check of {@code request} found (read here, before the head is rewritten)
   * @param token the backend token session persistence names, or null
   * @param affinityKey the ring-hash key (client IP), or null
   * @param rule the request's route; {@code to} the service it names
   */
  Exchange begin(HttpRequest request, RequestHead head, boolean websocket, @Nullable String token,
      @Nullable CharSequence affinityKey, ListenerRoute rule, ServiceEntry<HttpService> to) {
    if (!phase.over()) {
      throw new IllegalStateException("exchange " + phase + " begun again");
    }
    body.begin(request, head);
    placement.begin(rule.sticky, websocket, token, affinityKey);
    this.rule = rule;
    services.begin(to);
    this.websocket = websocket;
    phase = Phase.IDLE;
    recovery.begin();
    deadlines.begin();
    attempt = null;
    tunnel = null;
    return this;
  }

  /**
   * What an HTTP/2 stream knows of its call beyond the head, set after {@link #begin} and before
   * the first dispatch.
   *
   * @param deadlineNanos when the call's own deadline passes (the loop's ticker; gRPC's
   *     grpc-timeout), 0 for none: then the exchange ends with 504 (DEADLINE_EXCEEDED for gRPC)
   *     without a verdict on the instance, whose time it was not
   * @param idempotent the call may be sent again after its body went out (a gRPC method listed as
   *     idempotent), as long as that body was kept whole
   * @param keep bytes of the request body to keep for a resend (0: none)
   */
  void call(long deadlineNanos, boolean idempotent, long keep) {
    body.keep(idempotent, keep);
    deadlines.call(deadlineNanos);
  }

  /** Over, and kept for the connection's next request: lets go of this one's head and body. */
  void forget() {
    body.forget();
  }

  Phase phase() {
    return phase;
  }

  /** True once the request's last byte came from the client. */
  boolean requestDone() {
    return body.done();
  }

  /**
   * The one place the phase changes: a move the diagram does not have is a bug, and fails loudly.
   * Collaborators ({@link Recovery}) ask for their moves here.
   */
  void moveTo(Phase next, String reason) {
    if (!phase.canMoveTo(next)) {
      throw new IllegalStateException("exchange " + phase + " -> " + next + " (" + reason + ")");
    }
    if (log.isTraceEnabled()) {
      log.trace("{} {}: {} -> {} ({})", body.head().method(), body.head().uri(), phase, next, reason);
    }
    phase = next;
  }

  private @Nullable RequestSink up() {
    return attempt == null ? null : attempt.upstream();
  }

  /** A piece of the request body, the last one ({@link LastHttpContent}) with the trailers. */
  void requestBody(HttpContent c) {
    if (c.decoderResult().isFailure()) {
      c.release();
      recovery.refuse(HttpResponseStatus.BAD_REQUEST, "malformed request body");
    } else if (phase.over() || phase == Phase.TUNNEL) {
      c.release();
    } else if (!body.admit(c)) {
      recovery.refuse(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "body over limits.max-body");
    } else {
      body.forward(c, up());
      if (body.done() && phase == Phase.SENDING) {
        sent(context.ticker().nanoTime());
      }
    }
  }

  /**
   * The end of a read from the client. The first one dispatches: every byte that came with the head
   * has been decoded by then, so a request whose framing breaks there is refused before any of it
   * went upstream. Later ones flush what was written upstream.
   */
  void clientReadComplete() {
    WebSocketTunnel t = tunnel;
    if (phase == Phase.IDLE) {
      if (!services.awaiting()) {
        dispatch(); // once: a read that completes while the service opens waits with the first
      }
    } else if (t != null) {
      t.clientReadComplete();
    } else {
      body.flush(up());
    }
  }

  /** True while the exchange takes more of the request from the client. */
  boolean wantsClientBytes() {
    RequestSink u = up();
    WebSocketTunnel t = tunnel;
    return switch (phase) {
      case SENDING, STREAMING -> !body.done() && u != null && u.writable();
      case TUNNEL -> t != null && t.wantsClientBytes();
      default -> false;
    };
  }

  /** The client's body did not come in time (body-read deadline): {@link Recovery#clientTooSlow}. */
  void clientTooSlow() {
    recovery.clientTooSlow();
  }

  /** The client connection (or stream) is gone: end everything without a verdict on the backend. */
  void clientGone() {
    WebSocketTunnel t = tunnel;
    tunnel = null;
    if (t != null) {
      t.end();
    }
    if (!phase.over()) {
      recovery.abandon("client gone");
    }
  }

  /** Places the request on a backend (again, after a failed try: {@link Recovery}). */
  void dispatch() {
    HttpService to = services.open();
    if (to == null) {
      return; // waiting for the service's first resolve, or answered 503
    }
    Attempt a = placement.next(slot, to);
    attempt = a;
    if (a == null) {
      rule().stats.countUpstreamError();
      recovery.fail(HttpResponseStatus.SERVICE_UNAVAILABLE, "no instance available",
          "no instance of service '" + services.name() + "'");
      return;
    }
    moveTo(Phase.CONNECTING, !recovery.retried() ? "backend chosen" : "retry on another backend");
    a.open(to.connector(context));
  }

  /** The request's route; only once begun. */
  ListenerRoute rule() {
    ListenerRoute r = rule;
    if (r == null) {
      throw new IllegalStateException("exchange not begun");
    }
    return r;
  }

  /** The request's route, or null before the first request. */
  @Nullable ListenerRoute ruleOrNull() {
    return rule;
  }

  /** The attempt's upstream is ready: the request goes there. */
  void upstreamReady(Attempt a, RequestSink u) {
    if (phase != Phase.CONNECTING || a != attempt) {
      u.release(false); // the exchange ended, or moved on, while connecting
      return;
    }
    u.head(body.head(), body.headRequest(), body.chunked());
    body.sendHeld(u);
    u.flush();
    u.requestMore();
    long now = context.ticker().nanoTime();
    a.writtenNanos = now;
    if (body.done()) {
      sent(now);
    } else {
      moveTo(Phase.SENDING, "request head sent");
      if (body.takeExpectContinue()) {
        client.continue100();
      }
      client.requestMore();
    }
  }

  /** The whole request went upstream: {@code timeouts.request} starts now (issue 21 item 2). */
  private void sent(long now) {
    Attempt a = attempt;
    moveTo(Phase.AWAITING_HEAD, "request sent");
    if (a != null) {
      deadlines.sent(a, now);
    }
  }

  /** A response head from the current attempt's upstream (interim, 101 or final). */
  void upstreamHead(Attempt a, ResponseHead h) {
    if (phase != Phase.AWAITING_HEAD && phase != Phase.SENDING) {
      return;
    }
    int code = h.status();
    if (code == 101) {
      if (websocket && phase == Phase.AWAITING_HEAD) {
        startTunnel(a, h);
      } else {
        recovery.attemptFailed(FailureKind.RESET, "101 to a request that asked for no upgrade");
      }
      return;
    }
    if (code < 200) {
      client.interim(h);
      return;
    }
    // what the instance took to answer, as a client sending to it directly would measure it
    a.latencyNanos = context.ticker().nanoTime() - (body.done() ? a.sentNanos : a.writtenNanos);
    a.status = code;
    a.upstreamKeepAlive = h.upstreamKeepAlive();
    body.settled(); // answered: never sent again from here
    moveTo(Phase.STREAMING, "response head");
    StickySessions sticky = rule().sticky;
    client.head(h, sticky.cookieBased() ? sticky.responseEdit(a.backend(), placement.token()) : null);
  }

  /** A piece of the response body, or raw bytes of a tunnel, from the current attempt's upstream. */
  void upstreamBody(ByteBuf data) {
    WebSocketTunnel t = tunnel;
    if (phase == Phase.STREAMING) {
      client.body(data);
    } else if (phase == Phase.TUNNEL && t != null) {
      t.fromUpstream(data);
    } else {
      data.release();
    }
  }

  /** The end of the response from the current attempt's upstream. */
  void upstreamEnd(Attempt a, @Nullable ResponseTrailers trailers) {
    if (phase != Phase.STREAMING) {
      return;
    }
    a.report(true);
    a.release(a.upstreamKeepAlive && body.done());
    body.release(); // what was kept for a resend
    moveTo(Phase.DONE, "response complete");
    client.end(trailers);
  }

  /** The current attempt's upstream failed (it released itself). */
  void upstreamFailed(Attempt a, FailureKind outcome, Throwable cause) {
    if (phase == Phase.TUNNEL) {
      closeTunnel();
    } else if (!phase.over()) {
      if (cause instanceof java.io.IOException || cause instanceof io.netty.handler.codec.DecoderException) {
        log.debug("upstream {} failed ({}): {}", a, outcome, LogSafe.lazy(cause));
      } else {
        log.warn("upstream {} failed on an unexpected error", a, cause); // a bug of ours, answered 502
      }
      recovery.attemptFailed(outcome, outcome == FailureKind.CONNECT ? "connect failed" : "upstream closed or broke the protocol");
    }
  }

  /** The request timer: called at or after {@link ResponseSink#wakeAt}; {@link ResponseDeadlines#timeUp}. */
  long timeUp(long now) {
    return deadlines.timeUp(now);
  }

  /** Instances the request was sent to (or tried), for the access log. */
  int tries() {
    return placement.placed();
  }

  /** The last instance tried, or null when none was. */
  @Nullable Backend tried() {
    return placement.last();
  }

  /** The status of the last try's final (or 101) response head, 0 when none came. */
  int answered() {
    Attempt a = attempt;
    return a == null ? 0 : a.status;
  }

  /** The attempt in progress, or null. */
  @Nullable Attempt attempt() {
    return attempt;
  }

  /** Nothing was read from the client for the idle timeout: {@link Recovery#clientIdle}. */
  void clientIdle(int idleTicks) {
    recovery.clientIdle(idleTicks);
  }

  /** The current attempt's instance refused the request unprocessed: {@link Recovery#upstreamRefused}. */
  void upstreamRefused(Attempt a, Throwable cause) {
    recovery.upstreamRefused(a, cause);
  }

  private void startTunnel(Attempt a, ResponseHead h) {
    a.latencyNanos = context.ticker().nanoTime() - a.sentNanos;
    a.status = 101;
    moveTo(Phase.TUNNEL, "101 switching protocols");
    HttpService to = services.opened();
    WebSocketTunnel t = new WebSocketTunnel(this, context, client, a.upstream(), a.takeLease(),
        to == null ? null : to.tunnels());
    tunnel = t; // before open: the bytes the decoders still hold come out through it
    a.report(true);
    t.open(h);
  }

  /** Ends a tunnel whose close handshake is over (or timed out), or whose upstream went away. */
  void closeTunnel() {
    if (phase == Phase.TUNNEL) {
      recovery.abandon("tunnel closed");
      client.reset(HttpResponseStatus.BAD_GATEWAY);
    }
  }

  /** The tunnel after a 101 (the client side relays raw bytes to it), or null. */
  @Nullable WebSocketTunnel tunnel() {
    return tunnel;
  }

  @Override
  public String toString() {
    return body.head().method() + " " + body.head().uri() + " (" + phase + ")";
  }
}
