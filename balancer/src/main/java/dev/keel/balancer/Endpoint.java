package dev.keel.balancer;

import dev.keel.registry.ServiceInstance;

/**
 * One instance of the watched service plus the live state the balancer keeps for it. The state is
 * keyed by {@link ServiceInstance#id()} and survives membership updates: a snapshot that still holds
 * the id keeps the same {@code Endpoint} object, its counters and its {@linkplain #attachment
 * attachments}.
 *
 * <p>Sealed: endpoints are made by a {@link Balancer} only, and every endpoint a policy, a ticket
 * or a connection balancer sees is one of them.
 *
 * <h2>Reporting contract</h2>
 *
 * Every endpoint returned by {@link Balancer#pick(PickArgs)} or {@link Balancer#pick(CharSequence)}
 * carries one request counted in flight. The caller must end that request with <b>exactly one</b>
 * of {@link #onSuccess(long)}, {@link #onFailure(FailureKind)} or {@link #release()} — in a {@code
 * finally} block or the transport's completion callback. The in-flight count saturates at zero, so
 * a stray second report can never drive it negative; it can however end another caller's request
 * early in the count, so code that cannot guarantee "exactly once" wraps the pick in a {@link
 * Ticket}, which ignores every report after the first.
 *
 * <p>All methods are thread-safe and lock-free (but an attachment's first creation), and
 * allocation-free; they may be called from any thread, including an event loop.
 */
public sealed interface Endpoint permits EndpointState {
  /** The instance as last seen in discovery (weight and metadata may change in place). */
  ServiceInstance instance();

  /** Same as {@code instance().id()}. */
  String id();

  /** The registry weight, 0..10000; 0 means "send nothing". */
  int weight();

  /** Requests picked and not yet reported. */
  int inFlight();

  /**
   * The peak-EWMA latency estimate in nanoseconds: jumps up to any slower sample at once, decays
   * towards faster ones with a time constant. An endpoint that has not answered yet carries the mean
   * of its peers (a safe cold start), never zero and never "infinitely slow".
   */
  double peakEwmaNanos();

  /**
   * {@link #peakEwmaNanos()} as of {@code nowNanos} on the balancer's clock ({@link
   * Candidates#nanoTime()}): lets a policy compare two endpoints at one instant with one clock read.
   */
  double peakEwmaNanos(long nowNanos);

  /**
   * The average latency in nanoseconds of the successes reported (an EWMA weighted by time, with
   * the same time constant as {@link #peakEwmaNanos()}, but without its jump to slower samples):
   * what a client of this endpoint typically waits. For display; 0 before the first success. The
   * peak estimate is a balancing cost: after one slow answer it stays high for about a time
   * constant, so it reads as a recent maximum, not as the endpoint's latency.
   */
  double latencyEwmaNanos();

  /** Failures reported since the last success. */
  int consecutiveFailures();

  /** Long-lived connections placed on this endpoint by a {@link ConnectionBalancer} and still open. */
  int activeConnections();

  /**
   * The long-lived connections the instance says it holds, from every client process ({@code
   * keel.connections} in its metadata, as last seen in discovery); −1 when it publishes none. See
   * {@link BalancerConfig.ConnectionCounts}.
   */
  int publishedConnections();

  /** Successes plus failures reported, since this balancer first saw the endpoint. */
  long requests();

  /** Failures reported, since this balancer first saw the endpoint. */
  long failures();

  /** False while active health checks say the endpoint is down (true when checks are off). */
  boolean healthy();

  /** True while passive outlier detection keeps the endpoint out. */
  boolean ejected();

  /**
   * True while the instance is in the balancer's membership (its latest discovery snapshot); false
   * once it left, or the balancer closed. An endpoint that left while requests or long connections
   * were still open comes back as the same object, counters and attachments included, if its id
   * returns; one that left idle is forgotten, and a returning id gets a new endpoint.
   */
  boolean member();

  /**
   * The value of {@code key} for this endpoint: made by the key's {@code init} on first use (once,
   * even when threads race), then the same value for as long as this endpoint lives. Lock-free and
   * allocation-free after the first call. See {@link AttachmentKey}.
   */
  <T> T attachment(AttachmentKey<T> key);

  /**
   * Reports that a picked request succeeded after {@code latencyNanos} (negative values count as 0).
   * Ends the request: see the reporting contract above.
   */
  void onSuccess(long latencyNanos);

  /** Reports that a picked request failed. Ends the request: see the reporting contract above. */
  void onFailure(FailureKind kind);

  /**
   * Ends a picked request without an outcome (cancelled before it was sent, abandoned by the
   * caller). It changes no statistics but the in-flight count.
   */
  void release();
}
