package dev.keel.proxy.admin;

import dev.keel.proxy.listener.RunningListener;
import dev.keel.registry.RegistryClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Prometheus metrics read from the listeners' and backends' own counters at scrape time, so the
 * request path pays nothing for them. Each scrape first brings the meters in line with what runs
 * now: a listener a reload retired (replaced or removed) loses its meters, and so does every
 * backend that left its listener; then new listeners and backends get theirs. So series follow
 * the live objects (a replaced listener's counters start again from 0, which Prometheus reads as a
 * counter reset) and neither series nor memory grow with backend churn. The process's meters
 * ({@link ProcessMeters}) come with them.
 *
 * <p>Thread-safe: scrapes are serialised.
 */
final class ProxyMetrics implements AutoCloseable {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ProcessMeters process = new ProcessMeters(registry);
  private final List<RunningListener> listeners;
  /** The listeners metered, by identity: a reload's replacement is a new object under the same name. */
  private final IdentityHashMap<RunningListener, ListenerMeters> metered = new IdentityHashMap<>();

  ProxyMetrics(List<RunningListener> listeners) {
    this.listeners = listeners;
  }

  /** Adds the meters of the registry the listeners resolve through. */
  synchronized void registry(RegistryClient client) {
    RegistryStatus.register(registry, client);
  }

  synchronized String scrape() {
    Set<RunningListener> live = Collections.newSetFromMap(new IdentityHashMap<>());
    live.addAll(listeners);
    // Retired listeners first: their replacements register under the same names and tags.
    for (Iterator<Map.Entry<RunningListener, ListenerMeters>> it = metered.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<RunningListener, ListenerMeters> e = it.next();
      if (!live.contains(e.getKey())) {
        e.getValue().remove();
        it.remove();
      }
    }
    for (RunningListener l : live) {
      metered.computeIfAbsent(l, x -> new ListenerMeters(registry, x)).syncBackends();
    }
    return registry.scrape();
  }

  @Override
  public synchronized void close() {
    process.close();
    registry.close();
  }
}
