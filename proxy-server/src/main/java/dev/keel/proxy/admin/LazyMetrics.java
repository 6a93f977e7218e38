package dev.keel.proxy.admin;

import dev.keel.proxy.listener.RunningListener;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Creates the Prometheus registry at the first scrape, keeping Micrometer out of start-up. Thread-safe. */
final class LazyMetrics implements AutoCloseable {
  private final List<RunningListener> listeners;
  private @Nullable ProxyMetrics metrics;

  LazyMetrics(List<RunningListener> listeners) {
    this.listeners = listeners;
  }

  synchronized String scrape() {
    if (metrics == null) {
      metrics = new ProxyMetrics(listeners);
    }
    return metrics.scrape();
  }

  @Override
  public synchronized void close() {
    if (metrics != null) {
      metrics.close();
      metrics = null;
    }
  }
}
