package dev.keel.registry;

/**
 * Opens registry clients for one URI scheme; found through {@link java.util.ServiceLoader}
 * ({@code META-INF/services/dev.keel.registry.RegistryProvider}).
 *
 * <p>The client a provider returns is wrapped by {@link Registries} with the shared guards, so it
 * needs only this contract: {@code watch} delivers full snapshots for one service in order and
 * never concurrently to one listener, the initial one first (it may arrive later than the call
 * returns when the registry is slow to answer); {@code resolve} reads from the registry itself,
 * not a cache, and throws {@link RegistryException} when it cannot; registrations are restored
 * after a session or lease loss.
 */
public interface RegistryProvider {
  /** The URI scheme, lower case, such as {@code zookeeper}. */
  String scheme();

  /** Among providers of one scheme the highest priority wins; built-ins use 0. */
  default int priority() {
    return 0;
  }

  /**
   * Opens a client for {@code uri}.
   *
   * @throws IllegalArgumentException naming the part of the URI that is wrong
   * @throws RegistryException when the registry cannot be reached and the provider does not
   *     connect lazily
   */
  RegistryClient open(RegistryUri uri, RegistryOptions options);
}
