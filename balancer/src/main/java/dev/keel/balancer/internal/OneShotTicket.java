package dev.keel.balancer.internal;

import dev.keel.balancer.Endpoint;
import dev.keel.balancer.FailureKind;
import dev.keel.balancer.Ticket;
import java.util.concurrent.atomic.AtomicBoolean;

/** A {@link Ticket}: the first report wins, by compare-and-set. */
public final class OneShotTicket extends AtomicBoolean implements Ticket {
  private static final long serialVersionUID = 1L;

  private final transient Endpoint endpoint;

  OneShotTicket(Endpoint endpoint) {
    this.endpoint = endpoint;
  }

  /** A ticket for a request already counted in flight on {@code endpoint}. */
  public static Ticket of(Endpoint endpoint) {
    return new OneShotTicket(endpoint);
  }

  @Override
  public Endpoint endpoint() {
    return endpoint;
  }

  @Override
  public boolean success(long latencyNanos) {
    if (compareAndSet(false, true)) {
      endpoint.onSuccess(latencyNanos);
      return true;
    }
    return false;
  }

  @Override
  public boolean failure(FailureKind kind) {
    if (compareAndSet(false, true)) {
      endpoint.onFailure(kind);
      return true;
    }
    return false;
  }

  @Override
  public boolean cancel() {
    if (compareAndSet(false, true)) {
      endpoint.release();
      return true;
    }
    return false;
  }

  @Override
  public boolean done() {
    return get();
  }
}
