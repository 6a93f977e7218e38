package dev.keel.proxy.http;

import dev.keel.balancer.ConnectionLease;
import dev.keel.proxy.upstream.Backend;
import dev.keel.balancer.FailureKind;
import io.netty.buffer.ByteBuf;
import org.jspecify.annotations.Nullable;

/**
 * One try of an {@link Exchange} on one backend, and the exchange's upstream half: the backend
 * (with one request counted in flight on it until {@link #report} or {@link #failed}), the upstream
 * it runs on, the tunnel lease of a placed WebSocket upgrade, and what the response told so far. As
 * in Netty's proxy example, each half holds the other as a field: the exchange its attempt, the
 * attempt its exchange. It hears the upstream ({@link UpstreamListener}), relays flow control
 * itself, and hands the exchange what changes its phase. One object per exchange, every field set
 * anew by {@link #begin} for each try: a released upstream calls its listener no more ({@link
 * RequestSink#release}), so nothing of a failed try, late events included, reaches the next.
 * Confined to the exchange's event loop.
 */
final class Attempt implements UpstreamListener {
  private final Exchange exchange;
  private final ResponseSink client;
  private @Nullable Backend backend;
  private boolean counted;
  // the upstream, from the moment it is opened; usable once ready
  private @Nullable RequestSink up;
  private boolean ready;
  private @Nullable ConnectionLease lease;
  /** When the request head went upstream, and when its last byte did. */
  long writtenNanos;
  long sentNanos;
  /** From the request's last byte sent (its head, for an answer before the body ended) to the response head. */
  long latencyNanos;
  /** When {@code timeouts.request} runs out; 0 while it does not run. */
  long deadlineNanos;
  int status;
  boolean upstreamKeepAlive;
  /** Idle ticks (half idle timeouts) the upstream was silent while the client could take more. */
  int quietTicks;

  Attempt(Exchange exchange, ResponseSink client) {
    this.exchange = exchange;
    this.client = client;
  }

  /** A new try on {@code b} (one request counted in flight on it), with the tunnel lease of a placed upgrade. */
  Attempt begin(Backend b, @Nullable ConnectionLease tunnelLease) {
    backend = b;
    counted = true;
    up = null;
    ready = false;
    lease = tunnelLease;
    writtenNanos = 0;
    sentNanos = 0;
    latencyNanos = 0;
    deadlineNanos = 0;
    status = 0;
    upstreamKeepAlive = false;
    quietTicks = 0;
    return this;
  }

  Backend backend() {
    Backend b = backend;
    if (b == null) {
      throw new IllegalStateException("no try begun");
    }
    return b;
  }

  /** True while this is the exchange's attempt in progress: events of an abandoned one are dropped. */
  private boolean current() {
    return exchange.attempt() == this && !exchange.phase().over();
  }

  @Override
  public void upstreamReady(RequestSink upstream) {
    up = upstream;
    ready = true;
    exchange.upstreamReady(this, upstream);
  }

  @Override
  public void upstreamHead(ResponseHead head) {
    quietTicks = 0;
    if (current()) {
      exchange.upstreamHead(this, head);
    }
  }

  @Override
  public void upstreamBody(ByteBuf data) {
    quietTicks = 0;
    if (current()) {
      exchange.upstreamBody(data);
    } else {
      data.release();
    }
  }

  @Override
  public void upstreamEnd(@Nullable ResponseTrailers trailers) {
    if (current()) {
      exchange.upstreamEnd(this, trailers);
    }
  }

  @Override
  public void upstreamReadComplete() {
    client.flush();
    RequestSink u = upstream();
    if (u != null && client.writable() && current()) {
      u.requestMore();
    }
  }

  @Override
  public void upstreamWritable() {
    if (current() && exchange.wantsClientBytes()) {
      client.requestMore();
    }
  }

  @Override
  public void upstreamFailed(FailureKind outcome, Throwable cause) {
    up = null; // the sink released itself
    ready = false;
    if (current()) {
      exchange.upstreamFailed(this, outcome, cause);
    }
  }

  @Override
  public void upstreamRefused(Throwable cause) {
    up = null; // the sink released itself
    ready = false;
    if (current()) {
      exchange.upstreamRefused(this, cause);
    }
  }

  /** The client can take more again: read on from the upstream. */
  void clientWritable() {
    RequestSink u = upstream();
    if (u != null && current()) {
      u.requestMore();
    }
  }

  /** Half an idle timeout passed: it counts against the upstream unless the client is the one not reading. */
  void idleTick(boolean clientWritable) {
    quietTicks = clientWritable ? quietTicks + 1 : 0;
  }

  /** The upstream once it is ready for the request, else null. */
  @Nullable RequestSink upstream() {
    return ready ? up : null;
  }

  /** Opens the upstream through {@code connector}; {@link #upstreamReady} follows, or a failure. */
  void open(UpstreamConnector connector) {
    RequestSink u = connector.open(backend(), this);
    if (up == null && !ready) {
      up = u; // not ready yet, or already failed (then it released itself: releasing again is a no-op)
    }
  }

  /** The upstream is a tunnel's now (its close handshake): the attempt no longer closes it. */
  void upstreamGone() {
    up = null;
    ready = false;
  }

  /** Ends the counted request: an answer (a 5xx is a failure) with its latency, or no verdict. */
  void report(boolean answered) {
    if (counted) {
      counted = false;
      if (answered && status >= 500) {
        backend().endpoint().onFailure(FailureKind.HTTP_5XX);
      } else if (answered) {
        backend().endpoint().onSuccess(latencyNanos);
      } else {
        backend().endpoint().release();
      }
    }
  }

  /** Ends the counted request with a failure of the backend. */
  void failed(FailureKind outcome) {
    if (counted) {
      counted = false;
      backend().endpoint().onFailure(outcome);
    }
  }

  /** Gives the upstream back: to the pool when {@code reusable}, else closed (or reset). */
  void release(boolean reusable) {
    RequestSink u = up;
    up = null;
    if (u != null) {
      u.release(reusable);
    }
  }

  /** The tunnel lease goes to the tunnel (null when there is none). */
  @Nullable ConnectionLease takeLease() {
    ConnectionLease l = lease;
    lease = null;
    return l;
  }

  /** The upgrade did not become a tunnel (or is tried elsewhere): its lease stops counting. */
  void closeLease() {
    ConnectionLease l = takeLease();
    if (l != null) {
      l.close();
    }
  }

  /** Everything the attempt holds is let go, without a verdict on the backend. */
  void abandon() {
    report(false);
    release(false);
    closeLease();
  }

  @Override
  public String toString() {
    return String.valueOf(backend);
  }
}
