package dev.keel.balancer;

import static java.util.Objects.requireNonNull;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One picked request whose report is idempotent: the first of {@link #onSuccess(long)}, {@link
 * #onFailure(FailureKind)} or {@link #release()} ends the request on {@link #endpoint()}; every
 * later call is ignored and returns false. The same three words as on {@link Endpoint}, for code
 * that cannot guarantee "exactly once" (a response body that may be closed, failed and cancelled by
 * different threads). Costs one small allocation per request; on allocation-sensitive paths report
 * on the {@link Endpoint} itself.
 *
 * <pre>{@code
 * Endpoint e = balancer.pick(args);
 * if (e == null) { ... none available ... }
 * Ticket t = Ticket.of(e);
 * }</pre>
 *
 * <p>Thread-safe.
 */
public final class Ticket {
  private static final VarHandle DONE;

  static {
    try {
      DONE = MethodHandles.lookup().findVarHandle(Ticket.class, "done", boolean.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  private final Endpoint endpoint;
  @SuppressWarnings("unused") // written through DONE
  private volatile boolean done;

  private Ticket(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  /**
   * A ticket for the request just picked on {@code endpoint} (by {@link Balancer#pick(PickArgs)} or
   * {@link Balancer#pick(CharSequence)}), which it now owns: report through the ticket only.
   */
  public static Ticket of(Endpoint endpoint) {
    return new Ticket(requireNonNull(endpoint, "endpoint"));
  }

  /** The endpoint the request was picked on. */
  public Endpoint endpoint() {
    return endpoint;
  }

  /** Reports success after {@code latencyNanos} (see {@link Endpoint#onSuccess}); false when already ended. */
  public boolean onSuccess(long latencyNanos) {
    if (!end()) {
      return false;
    }
    endpoint.onSuccess(latencyNanos);
    return true;
  }

  /** Reports a failure (see {@link Endpoint#onFailure}); false when already ended. */
  public boolean onFailure(FailureKind kind) {
    requireNonNull(kind, "kind");
    if (!end()) {
      return false;
    }
    endpoint.onFailure(kind);
    return true;
  }

  /** Ends the request without an outcome (see {@link Endpoint#release}); false when already ended. */
  public boolean release() {
    if (!end()) {
      return false;
    }
    endpoint.release();
    return true;
  }

  /** True once the ticket was ended by any of the above. */
  public boolean done() {
    return done;
  }

  private boolean end() {
    return DONE.compareAndSet(this, false, true);
  }

  @Override
  public String toString() {
    return "Ticket{" + endpoint.id() + (done ? " done" : "") + "}";
  }
}
