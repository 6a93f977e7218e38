package dev.keel.proxy.h2up;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one listener's HTTP/2 upstream connections (every service it sends to), from every event loop without locks;
 * read by the admin endpoint.
 */
public final class H2Stats {
  public H2Stats() {}

  final LongAdder opened = new LongAdder();
  final LongAdder goAways = new LongAdder();
  final LongAdder refused = new LongAdder();
  final LongAdder pingTimeouts = new LongAdder();
  final LongAdder sheds = new LongAdder();

  /** Upstream HTTP/2 connections opened (connects attempted). */
  public long opened() {
    return opened.sum();
  }

  /** GOAWAY frames received from instances. */
  public long goAways() {
    return goAways.sum();
  }

  /** Streams the instances refused unprocessed (REFUSED_STREAM, or left out by a GOAWAY). */
  public long refused() {
    return refused.sum();
  }

  /** Connections closed because a PING went unanswered. */
  public long pingTimeouts() {
    return pingTimeouts.sum();
  }

  /** Connections drained by rebalancing (closed once their last stream ended). */
  public long sheds() {
    return sheds.sum();
  }
}
