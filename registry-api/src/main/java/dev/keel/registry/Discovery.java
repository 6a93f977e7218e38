package dev.keel.registry;

import java.util.function.Consumer;

/** Resolves and watches the instances of services. */
public interface Discovery {
  /**
   * The current instances of {@code service}; an empty set when the service has none. The first
   * call for a service may block up to the configured resolve timeout.
   *
   * @throws RegistryException when the registry cannot be reached and nothing is cached
   */
  InstanceSet resolve(String service);

  /**
   * Watches {@code service}. The listener receives the initial snapshot first, then every change
   * as a full snapshot, in order. One listener is never called concurrently with itself; a slow
   * listener does not delay others; an exception from a listener is logged and the watch goes on.
   * Listeners run on Keel's dispatch threads: do not block in them for long.
   */
  Subscription watch(String service, Consumer<InstanceSet> listener);
}
