package dev.keel.registry;

import java.util.List;
import java.util.function.Consumer;

/**
 * A connection to one registry: {@link Registry} and {@link Discovery} together.
 *
 * <p>Thread-safe. Closing it deregisters everything it registered, ends its watches and releases
 * what it created; a client library instance passed in by the caller is not closed.
 * {@code toString()} names the registry by scheme and address, never with a secret.
 */
public interface RegistryClient extends Registry, Discovery, AutoCloseable {
  /**
   * What the registry refuses beyond {@link ServiceInstance}'s own rules; {@link #register} refuses
   * an instance over these limits at once, before sending anything. Default: none.
   */
  default RegistryLimits limits() {
    return RegistryLimits.none();
  }

  /**
   * Whether the registry can be reached now, and what this client skipped as malformed. The
   * default, for a registry that cannot be unreachable (in-process, a static list) or an adapter
   * that does not tell, is always reachable.
   */
  default RegistryHealth health() {
    return RegistryHealth.alwaysReachable(toString());
  }

  /**
   * Calls {@code listener} with each new {@link #health()}, in order, until the subscription is
   * closed. It runs on a Keel thread and must not block. The default never calls it.
   */
  default Subscription onHealthChange(Consumer<RegistryHealth> listener) {
    return () -> { };
  }

  /**
   * The names of the services the registry holds now, as they were registered (a case-sensitive
   * name can be found from a lower-cased URL host this way). May block up to the resolve timeout.
   *
   * @throws UnsupportedOperationException when the adapter cannot list services (the default)
   * @throws RegistryException when the registry cannot be reached
   */
  default List<String> services() {
    throw new UnsupportedOperationException(this + " cannot list its services");
  }

  @Override
  void close();
}
