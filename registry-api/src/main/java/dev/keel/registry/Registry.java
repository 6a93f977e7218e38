package dev.keel.registry;

/**
 * Registers service instances and keeps them registered.
 *
 * <p>The registry keeps each registration alive (ephemeral node, lease keep-alive, heartbeat) and
 * restores it after a session or lease loss, until {@link Registration#close()} or until the
 * registry itself is closed. Registering a (service, id) this registry already holds replaces the
 * registered instance; the earlier {@link Registration} is then superseded and its
 * {@code close()} does nothing.
 */
public interface Registry {
  /**
   * Registers {@code instance}. Returns once the registry has accepted it, or throws
   * {@link RegistryException} when it cannot be reached within the configured timeout.
   *
   * @throws IllegalStateException when this registry is closed
   */
  Registration register(ServiceInstance instance);
}
