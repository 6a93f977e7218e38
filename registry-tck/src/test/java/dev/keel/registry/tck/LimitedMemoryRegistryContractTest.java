package dev.keel.registry.tck;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.Registration;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryLimits;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.Subscription;
import dev.keel.registry.memory.MemoryRegistry;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The contract's limit cases, proven without a Nacos: the memory registry behind an adapter that
 * declares a 600-character metadata limit and refuses instances over it, as the Nacos adapter does.
 */
class LimitedMemoryRegistryContractTest extends RegistryContract {
  private static final RegistryLimits LIMITS = RegistryLimits.maxMetadataChars(600);
  private final String name = "tck-limited-" + UUID.randomUUID();
  private final Map<RegistryClient, RegistryClient> memoryOf = new ConcurrentHashMap<>();

  @Override
  protected RegistryClient newClient() {
    RegistryClient memory = Registries.open("memory://" + name);
    RegistryClient limited = new Limited(memory);
    memoryOf.put(limited, memory);
    return limited;
  }

  @Override
  protected void restartServer() {
    MemoryRegistry.named(name).restart();
  }

  @Override
  protected void loseSession(RegistryClient client) {
    // The contract passes back a client newClient() made, so the map has it.
    MemoryRegistry.named(name).expireSession(Objects.requireNonNull(memoryOf.get(client), "client"));
  }

  /** A client that declares {@link #LIMITS} and holds to them; everything else is the memory client's. */
  private static final class Limited implements RegistryClient {
    private final RegistryClient delegate;

    Limited(RegistryClient delegate) {
      this.delegate = delegate;
    }

    @Override
    public RegistryLimits limits() {
      return LIMITS;
    }

    @Override
    public Registration register(ServiceInstance instance) {
      LIMITS.check(instance);
      Registration r = delegate.register(instance);
      return new Registration() {
        @Override
        public ServiceInstance instance() {
          return r.instance();
        }

        @Override
        public void update(ServiceInstance next) {
          LIMITS.check(next); // as register: refused before anything is sent
          r.update(next);
        }

        @Override
        public void close() {
          r.close();
        }
      };
    }

    @Override
    public InstanceSet resolve(String service) {
      return delegate.resolve(service);
    }

    @Override
    public Subscription watch(String service, Consumer<InstanceSet> listener) {
      return delegate.watch(service, listener);
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}
