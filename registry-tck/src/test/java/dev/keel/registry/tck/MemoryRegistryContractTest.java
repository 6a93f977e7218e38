package dev.keel.registry.tck;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.memory.MemoryRegistry;
import java.util.UUID;

/** The memory registry passes the whole contract, faults included. */
class MemoryRegistryContractTest extends RegistryContract {
  private final String name = "tck-" + UUID.randomUUID();

  @Override
  protected RegistryClient newClient() {
    return Registries.open("memory://" + name);
  }

  @Override
  protected void restartServer() {
    MemoryRegistry.named(name).restart();
  }

  @Override
  protected void loseSession(RegistryClient client) {
    MemoryRegistry.named(name).expireSession(client);
  }
}
