package dev.keel.balancer;

import dev.keel.registry.ServiceInstance;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an instance publishes about its own long-lived connections ({@link
 * ServiceInstance#CONNECTIONS}), as this balancer last saw it: the value, a version that moves each
 * time the value changes, and how many of this process's connections were on the endpoint at that
 * moment. The published value lags this process's own changes (by up to the publisher's interval),
 * so placement adds what this process did since: its connections now minus those at the change.
 *
 * <p>{@link #observe} runs on the balancer's serial executor (with every instance update); the
 * rest is read from any thread.
 */
final class PublishedCount {
  private static final Logger log = LoggerFactory.getLogger(PublishedCount.class);

  /** Value, version and local count change together: one immutable snapshot, one writer. */
  private record Seen(int value, long version, int localAtChange) { }

  private volatile Seen seen = new Seen(-1, 0, 0);
  private volatile @Nullable String warnedValue; // the malformed value last warned about
  private volatile long frozenWarnedVersion = -1;

  /** Takes the count from {@code instance}'s metadata; {@code local}: this process's connections on it now. */
  void observe(ServiceInstance instance, int local) {
    int next = instance.publishedConnections();
    String raw = instance.metadata().get(ServiceInstance.CONNECTIONS);
    if (next < 0 && raw != null && !Objects.equals(raw, warnedValue)) {
      warnedValue = raw; // once per value: the instance keeps sending it with every update
      log.warn("{}: instance {} publishes {}='{}' (expected: a non-negative integer); it counts as publishing none",
          instance.service(), instance.id(), ServiceInstance.CONNECTIONS, raw);
    }
    Seen last = seen;
    if (next != last.value()) {
      seen = new Seen(next, last.version() + 1, local); // observe() is the only writer
    }
  }

  /** The published count, or −1 when the instance publishes none (or a malformed one). */
  int value() {
    return seen.value();
  }

  /** Moves each time {@link #value()} changes. */
  long version() {
    return seen.version();
  }

  /** This process's connections on the endpoint when the value last changed. */
  int localAtChange() {
    return seen.localAtChange();
  }

  /** True the first time it is asked for this version: to warn once about a count that does not move. */
  boolean firstFrozenWarning() {
    long v = seen.version();
    if (frozenWarnedVersion == v) {
      return false;
    }
    frozenWarnedVersion = v;
    return true;
  }
}
