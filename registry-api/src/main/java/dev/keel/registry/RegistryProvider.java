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

  /**
   * Checks {@code uri} as {@link #open} would, without connecting or creating a client: its hosts,
   * ports, path and parameters (files it names may be checked for existence). Used by
   * {@link Registries#validate} so that a configuration check catches what start-up would refuse.
   * The default accepts every URI; providers should override it.
   *
   * @throws IllegalArgumentException naming the part of the URI that is wrong
   */
  default void validate(RegistryUri uri, RegistryOptions options) {}
}
