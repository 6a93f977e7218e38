package dev.keel.registry;

/**
 * A live registration. Closing it deregisters the instance; closing it again does nothing.
 *
 * <p>Thread-safe.
 */
public interface Registration extends AutoCloseable {
  /** The instance as registered, or as last {@linkplain #update updated}. */
  ServiceInstance instance();

  /**
   * Replaces the registered instance's weight and metadata <em>in place</em>: the service, id, host
   * and port stay (a different one is an {@link IllegalArgumentException} naming the field). Watchers
   * see the instance change and never see it absent, and the change is not a new registration: the
   * instance keeps its identity in the registry (a ZooKeeper node's data is set, an etcd key is put
   * again under the same lease, a Nacos instance is registered again on the same connection). The
   * registry restores the updated instance, not the original, after a session or lease loss.
   *
   * <p>Returns once the registry has accepted the change. Updates of one registration are applied
   * one at a time, in the order they are called. Each is one registry write that every watcher of
   * the service hears about: update at a bounded rate (see {@link ConnectionCountPublisher}).
   *
   * @throws IllegalArgumentException {@code instance} names another service, id, host or port
   * @throws IllegalStateException this registration was closed or superseded, or its client closed
   * @throws RegistryException the registry did not accept it within the timeout; the registration
   *     then still holds the previous instance, though the registry may have applied either
   * @throws UnsupportedOperationException the adapter cannot update in place (every adapter Keel
   *     ships can; see {@link RegistrationHandle})
   */
  void update(ServiceInstance instance);

  /** Deregisters; idempotent, never throws for a registry that cannot be reached (it logs). */
  @Override
  void close();
}
