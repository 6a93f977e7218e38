package dev.keel.proxy.admin;

import dev.keel.proxy.listener.RunningListener;
import dev.keel.registry.RegistryClient;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** Creates the Prometheus registry at the first scrape, keeping Micrometer out of start-up. Thread-safe. */
final class LazyMetrics implements AutoCloseable {
  private final List<RunningListener> listeners;
  private final RegistryClient registry;
  private @Nullable ProxyMetrics metrics;

  LazyMetrics(List<RunningListener> listeners, RegistryClient registry) {
    this.listeners = listeners;
    this.registry = registry;
  }

  synchronized String scrape() {
    if (metrics == null) {
      metrics = new ProxyMetrics(listeners);
      metrics.registry(registry);
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
