package dev.keel.proxy.http;

import dev.keel.balancer.FailureKind;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an {@link Exchange} does when its request goes wrong: a try that failed or timed out, a
 * request an instance refused unprocessed, a client that is malformed, too large or too slow. Every
 * "what next" of that kind is decided here, in one place: the request goes to another instance when
 * that is safe, or the exchange ends with the proxy's own answer (a cut, once part of the response
 * is out), and the listener's counters say which.
 *
 * <p>Never sets the exchange's phase: it asks the exchange to move ({@link Exchange#moveTo}), which
 * refuses moves the phase diagram does not have. One per exchange, reused with it ({@link #begin});
 * confined to the client connection's event loop.
 */
final class Recovery {
  private static final Logger log = LoggerFactory.getLogger(Recovery.class);

  private final Exchange exchange;
  private final ExchangeContext context;
  private final ClientRequest body;
  private final ResponseSink client;
  private final Placement placement;
  private int retries;

  Recovery(Exchange exchange, ExchangeContext context, ClientRequest body, ResponseSink client, Placement placement) {
    this.exchange = exchange;
    this.context = context;
    this.body = body;
    this.client = client;
    this.placement = placement;
  }

  /** A new request: no retries yet. */
  void begin() {
    retries = 0;
  }

  /** True once the request was sent again to another instance. */
  boolean retried() {
    return retries > 0;
  }

  /** The client's body did not come in time (body-read deadline): the client's fault, 408. */
  void clientTooSlow() {
    Phase phase = exchange.phase();
    if (!phase.over() && phase != Phase.TUNNEL) {
      log.debug("request from {} not read within its body-read timeout", context.peer());
      refuse(HttpResponseStatus.REQUEST_TIMEOUT, "request body too slow");
    }
  }

  /**
   * Nothing was read from the client for the idle timeout (reads pause during an exchange, so that
   * alone is no fault). A tunnel whose upstream was silent as long closes; a response whose upstream
   * stalled while the client could take more is cut (the client sees a short message); a body the
   * upstream stopped taking is the instance's fault (504), one the client stopped sending its own (408).
   */
  void clientIdle(int idleTicks) {
    Phase phase = exchange.phase();
    Attempt a = exchange.attempt();
    RequestSink u = a == null ? null : a.upstream();
    boolean upstreamQuiet = a != null && a.quietTicks >= idleTicks;
    if (phase == Phase.TUNNEL && upstreamQuiet) {
      exchange.closeTunnel();
    } else if (phase == Phase.STREAMING && upstreamQuiet && client.committed()) {
      attemptFailed(FailureKind.TIMEOUT, "response stalled for timeouts.idle");
    } else if (phase == Phase.SENDING && u != null && !u.writable()) {
      attemptFailed(FailureKind.TIMEOUT, "the upstream took no request bytes for timeouts.idle");
    } else if (phase == Phase.SENDING) {
      refuse(HttpResponseStatus.REQUEST_TIMEOUT, "the client sent nothing for timeouts.idle");
    }
  }

  /**
   * The attempt failed before the response was complete: retry when safe (nothing went, or the
   * request may go twice and all of it is kept: {@link ClientRequest#resend}), else 502/504 (or a cut).
   */
  void attemptFailed(FailureKind outcome, String reason) {
    Attempt a = exchange.attempt();
    if (a != null) {
      a.failed(outcome);
      a.release(false);
    }
    if (client.committed()) {
      abandon(reason);
      // part of the response is out: a truncated message, never a made-up end
      client.reset(outcome == FailureKind.TIMEOUT ? HttpResponseStatus.GATEWAY_TIMEOUT : HttpResponseStatus.BAD_GATEWAY);
      return;
    }
    client.discardHeld();
    boolean nothingSent = exchange.phase() == Phase.CONNECTING;
    if (outcome != FailureKind.TIMEOUT && (nothingSent || body.resend()) && retries < exchange.rule().maxRetries) {
      retryElsewhere(a);
      return;
    }
    exchange.rule().stats.countUpstreamError();
    fail(outcome == FailureKind.TIMEOUT ? HttpResponseStatus.GATEWAY_TIMEOUT : HttpResponseStatus.BAD_GATEWAY, reason);
  }

  /**
   * The current attempt's instance refused the request unprocessed (HTTP/2 REFUSED_STREAM, or a
   * stream a GOAWAY left out): whatever its method it goes elsewhere, when what was sent of its body
   * can be sent again ({@link ClientRequest#rewind}); no verdict on the instance.
   */
  void upstreamRefused(Attempt a, Throwable cause) {
    Phase phase = exchange.phase();
    if (phase.over() || phase == Phase.TUNNEL || phase == Phase.STREAMING) {
      return; // a stream is refused before any answer: nothing of this can be a refusal
    }
    log.debug("upstream {} refused the request unprocessed: {}", a, cause.toString());
    a.report(false); // draining or full, not failing
    a.release(false);
    if ((phase == Phase.CONNECTING || body.rewind()) && retries < exchange.rule().maxRetries) {
      retryElsewhere(a);
      return;
    }
    exchange.rule().stats.countUpstreamError();
    fail(HttpResponseStatus.BAD_GATEWAY, "refused unprocessed, and cannot be sent again");
  }

  /** Tries the request again on another backend than {@code a}'s (the next dispatch excludes it). */
  private void retryElsewhere(@Nullable Attempt a) {
    retries++;
    exchange.rule().stats.countRetry();
    if (a != null) {
      a.closeLease();
      placement.tried(a.backend());
    }
    exchange.dispatch();
  }

  /** The client's fault (malformed, too large, too slow): no verdict on the backend. */
  void refuse(HttpResponseStatus s, String reason) {
    exchange.rule().stats.countRejected();
    fail(s, reason);
  }

  /** Ends the exchange with the proxy's own answer, or a cut when part of a response is out. */
  void fail(HttpResponseStatus s, String reason) {
    fail(s, reason, "");
  }

  /**
   * As above; a routed listener's answer also says {@code detail} (the service it could not reach),
   * a listener with {@code service:} answers as it always has.
   */
  void fail(HttpResponseStatus s, String reason, String detail) {
    boolean committed = client.committed();
    abandon(reason);
    if (committed) {
      client.reset(s);
    } else {
      client.discardHeld();
      ListenerRoute r = exchange.ruleOrNull();
      client.fail(s, r == null || !r.detailedErrors ? "" : detail);
    }
  }

  /** Lets go of everything the exchange holds, without a verdict on the backend, and moves to CLOSING. */
  void abandon(String reason) {
    Attempt a = exchange.attempt();
    if (a != null) {
      a.abandon();
    }
    body.release();
    exchange.moveTo(Phase.CLOSING, reason);
  }
}
