package dev.keel.proxy.http;

import dev.keel.balancer.FailureKind;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clocks of an {@link Exchange}'s wait for its response. {@code timeouts.request} covers each
 * try: it starts when the whole request went upstream (issue 21 item 2) and, when it passes, the
 * try failed on a timeout ({@link Recovery#attemptFailed}: 504, no retry). The call's own deadline
 * (gRPC's grpc-timeout) covers the whole call, every try: when it passes the exchange ends with 504
 * (DEADLINE_EXCEEDED for gRPC) without a verdict on the instance, whose time it was not.
 *
 * <p>Keeps no timer: the connection's one lazily re-armed timer calls {@link #timeUp} at or after
 * what was asked for ({@link ResponseSink#wakeAt}). One per exchange, reused with it
 * ({@link #begin}); confined to the client connection's event loop.
 */
final class ResponseDeadlines {
  private static final Logger log = LoggerFactory.getLogger(ResponseDeadlines.class);

  private final Exchange exchange;
  private final ExchangeContext context;
  private final ResponseSink client;
  private final Recovery recovery;
  // The call's own deadline, on the loop's ticker; 0: none.
  private long callDeadline;

  ResponseDeadlines(Exchange exchange, ExchangeContext context, ResponseSink client, Recovery recovery) {
    this.exchange = exchange;
    this.context = context;
    this.client = client;
    this.recovery = recovery;
  }

  /** A new request: no call deadline. */
  void begin() {
    callDeadline = 0;
  }

  /** The call's own deadline (the loop's ticker), 0 for none. */
  void call(long deadlineNanos) {
    callDeadline = deadlineNanos;
    if (deadlineNanos != 0) {
      client.wakeAt(deadlineNanos);
    }
  }

  /** The whole request went upstream through {@code a} at {@code now}: {@code timeouts.request} starts. */
  void sent(Attempt a, long now) {
    a.sentNanos = now;
    long timeout = exchange.rule().requestTimeoutNanos;
    if (timeout > 0) {
      a.deadlineNanos = now + timeout;
      client.wakeAt(a.deadlineNanos);
    }
  }

  /** Called at or after {@link ResponseSink#wakeAt}; returns the next deadline, or 0. */
  long timeUp(long now) {
    long call = callDeadline;
    Phase phase = exchange.phase();
    if (call != 0 && !phase.over() && now - call >= 0) {
      log.debug("{} from {}: the call's deadline passed", exchange, context.peer());
      exchange.rule().stats.countUpstreamError();
      recovery.fail(HttpResponseStatus.GATEWAY_TIMEOUT, "the call's deadline passed");
      return 0;
    }
    long next = requestTimeUp(now);
    if (call == 0 || exchange.phase().over()) {
      return next;
    }
    return next == 0 || call - next < 0 ? call : next;
  }

  /** {@code timeouts.request}: the next time it must be looked at, or 0. */
  private long requestTimeUp(long now) {
    Attempt a = exchange.attempt();
    Phase phase = exchange.phase();
    // a head held for its small body is not out yet: the deadline covers that body too
    boolean waiting = phase == Phase.AWAITING_HEAD || (phase == Phase.STREAMING && !client.committed());
    if (a == null || a.deadlineNanos == 0 || !waiting) {
      return 0;
    }
    if (now - a.deadlineNanos < 0) {
      return a.deadlineNanos;
    }
    log.debug("no response from {} within {}", a, exchange.rule().requestTimeout);
    recovery.attemptFailed(FailureKind.TIMEOUT, "no response within timeouts.request");
    return 0;
  }
}
