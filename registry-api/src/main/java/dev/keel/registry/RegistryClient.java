package dev.keel.registry;

/**
 * A connection to one registry: {@link Registry} and {@link Discovery} together.
 *
 * <p>Thread-safe. Closing it deregisters everything it registered, ends its watches and releases
 * what it created; a client library instance passed in by the caller is not closed.
 */
public interface RegistryClient extends Registry, Discovery, AutoCloseable {
  /**
   * What the registry refuses beyond {@link ServiceInstance}'s own rules; {@link #register} refuses
   * an instance over these limits at once, before sending anything. Default: none.
   */
  default RegistryLimits limits() {
    return RegistryLimits.none();
  }

  @Override
  void close();
}
