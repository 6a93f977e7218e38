package dev.keel.proxy.http;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one route of an HTTP listener; each also counts on the listener's {@link
 * ListenerStats}. Updated from event loops without locks; read by the admin listener.
 */
public final class RouteStats {
  private final ListenerStats listener;
  private final LongAdder requests = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final LongAdder upstreamErrors = new LongAdder();
  private final LongAdder retries = new LongAdder();

  RouteStats(ListenerStats listener) {
    this.listener = listener;
  }

  void countRequest() {
    requests.increment();
  }

  void countRejected() {
    rejected.increment();
    listener.rejected.increment();
  }

  /** Refused by routing itself (an invalid name): the listener counts it where the refusal is answered. */
  void countRefusedByRoute() {
    rejected.increment();
  }

  void countUpstreamError() {
    upstreamErrors.increment();
    listener.upstreamErrors.increment();
  }

  void countRetry() {
    retries.increment();
    listener.retries.increment();
  }

  /** Requests this route matched. */
  public long requests() {
    return requests.sum();
  }

  /** Requests it refused: a placeholder gave an invalid service name (400), or the client's fault after routing. */
  public long rejected() {
    return rejected.sum();
  }

  /** 502/503/504 the proxy answered for it. */
  public long upstreamErrors() {
    return upstreamErrors.sum();
  }

  /** Its requests retried on another instance. */
  public long retries() {
    return retries.sum();
  }
}
