package dev.keel.grpc.internal;

import dev.keel.balancer.Balancer;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.FailureKind;
import dev.keel.balancer.PickArgs;
import io.grpc.ClientStreamTracer;
import io.grpc.Metadata;
import io.grpc.Status;
import java.util.Set;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;

/**
 * Reports each RPC's outcome on one instance to Keel's balancer: the latency of an answer, or the
 * kind of failure, which feed peak-EWMA and passive outlier ejection.
 *
 * <p>The request is counted in flight when grpc-java creates the stream (a strict pinned {@link
 * Balancer#pick(PickArgs)}),
 * not when the picker chose the instance: a pick the channel throws away (its subchannel lost its
 * transport in between, so no stream is created) must not leave a count behind, and only a created
 * stream is sure to be closed exactly once ({@link #streamClosed}).
 */
final class OutcomeTracer extends ClientStreamTracer {
  /** Hooks of the one-connection policy: its connection is busy while a stream is open. */
  interface StreamCounter {
    void opened();

    void closed();
  }

  /** Where outcomes go: the load balancer's current balancer and config. Thread-safe. */
  interface Reporting {
    /**
     * Counts one request in flight on the instance {@code pinned} names ({@link
     * Balancer#pick(PickArgs)}, pinned and strict); null when it is not available.
     */
    @Nullable Endpoint begin(PickArgs pinned);

    /** The statuses that count as failures of the instance. */
    Set<Status.Code> failureCodes();

    long nanoTime();
  }

  /** One per subchannel, made once; {@link #newClientStreamTracer} runs per stream. */
  static final class Factory extends ClientStreamTracer.Factory {
    private final Reporting reporting;
    private final PickArgs pinned;
    private final @Nullable StreamCounter counter;

    Factory(Reporting reporting, String instanceId, @Nullable StreamCounter counter) {
      this.reporting = reporting;
      this.pinned = pinnedTo(instanceId);
      this.counter = counter;
    }

    @Override
    public ClientStreamTracer newClientStreamTracer(StreamInfo info, Metadata headers) {
      if (counter != null) {
        counter.opened();
      }
      // Null when the instance stopped being available since the pick: the RPC goes out uncounted.
      Endpoint endpoint = reporting.begin(pinned);
      return new OutcomeTracer(endpoint, reporting.nanoTime(), this);
    }
  }

  private final @Nullable Endpoint endpoint;
  private final long startNanos;
  private final Factory factory;
  private static final AtomicIntegerFieldUpdater<OutcomeTracer> CLOSED =
      AtomicIntegerFieldUpdater.newUpdater(OutcomeTracer.class, "closed");

  @SuppressWarnings("UnusedVariable") // read and written through CLOSED, which ErrorProne does not follow
  private volatile int closed; // one allocation per RPC, the tracer itself

  private OutcomeTracer(@Nullable Endpoint endpoint, long startNanos, Factory factory) {
    this.endpoint = endpoint;
    this.startNanos = startNanos;
    this.factory = factory;
  }

  @Override
  public void streamClosed(Status status) {
    if (CLOSED.getAndIncrement(this) != 0) {
      return; // grpc-java closes a stream once; this keeps the one-report contract if it ever did not
    }
    if (factory.counter != null) {
      factory.counter.closed();
    }
    if (endpoint != null) {
      report(endpoint, status, factory.reporting.nanoTime() - startNanos, factory.reporting.failureCodes());
    }
  }

  /**
   * OK, and any status not in {@code failureCodes} (the application answered: NOT_FOUND,
   * INVALID_ARGUMENT, ...), is a success with its latency; CANCELLED is the caller's doing and ends
   * the request without statistics; a failure code is a failure of the instance.
   */
  static void report(Endpoint endpoint, Status status, long latencyNanos, Set<Status.Code> failureCodes) {
    Status.Code code = status.getCode();
    if (code == Status.Code.CANCELLED) {
      endpoint.release();
    } else if (code != Status.Code.OK && failureCodes.contains(code)) {
      endpoint.onFailure(kind(code));
    } else {
      endpoint.onSuccess(latencyNanos);
    }
  }

  /** The arguments that count a request on {@code instanceId} or nowhere; made once per subchannel. */
  static PickArgs pinnedTo(String instanceId) {
    return PickArgs.builder().pinned(instanceId).strict(true).build();
  }

  static FailureKind kind(Status.Code code) {
    return switch (code) {
      case UNAVAILABLE -> FailureKind.RESET;
      case DEADLINE_EXCEEDED -> FailureKind.TIMEOUT;
      case INTERNAL, UNKNOWN, DATA_LOSS -> FailureKind.HTTP_5XX;
      default -> FailureKind.OTHER;
    };
  }
}
