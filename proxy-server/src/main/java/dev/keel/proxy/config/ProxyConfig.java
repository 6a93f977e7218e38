package dev.keel.proxy.config;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A whole proxy configuration, immutable.
 *
 * @param registry the registry URI every listener's service is discovered in
 * @param workers event-loop threads shared by all listeners (0: the number of cores)
 * @param shutdownGrace how long in-flight requests may take after SIGTERM
 * @param source the file it was read from, or null for the one-line form (no file to watch)
 * @param pluginPath the directory plug-in jars are loaded from at start-up, or null for none
 */
public record ProxyConfig(String registry, AdminConfig admin, List<ListenerConfig> listeners, int workers,
    Duration shutdownGrace, @Nullable String source, @Nullable Path pluginPath) {
  public ProxyConfig {
    requireNonNull(registry, "registry");
    requireNonNull(admin, "admin");
    listeners = List.copyOf(listeners);
    requireNonNull(shutdownGrace, "shutdownGrace");
  }

  /** Without plug-ins. */
  public ProxyConfig(String registry, AdminConfig admin, List<ListenerConfig> listeners, int workers,
      Duration shutdownGrace, @Nullable String source) {
    this(registry, admin, listeners, workers, shutdownGrace, source, null);
  }

  /** The worker count to use: {@link #workers} or, when 0, the number of available cores. */
  public int effectiveWorkers() {
    return workers > 0 ? workers : Runtime.getRuntime().availableProcessors();
  }

  /** Never shows registry credentials (user-info and secret parameters are redacted). */
  @Override
  public String toString() {
    String reg;
    try {
      reg = dev.keel.registry.RegistryUri.parse(registry).toString();
    } catch (IllegalArgumentException e) {
      reg = "(unparsable)";
    }
    return "ProxyConfig[registry=" + reg + ", admin=" + admin + ", listeners=" + listeners + ", workers=" + workers
        + ", shutdownGrace=" + shutdownGrace + ", source=" + source + ", pluginPath=" + pluginPath + "]";
  }
}
