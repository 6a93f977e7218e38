package dev.keel.registry.memory;

import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryOptions;
import dev.keel.registry.RegistryProvider;
import dev.keel.registry.RegistryUri;
import java.util.Set;

/** {@code memory://name}: an in-process registry; clients opened with the same name share it. */
public final class MemoryRegistryProvider implements RegistryProvider {
  @Override
  public String scheme() {
    return "memory";
  }

  @Override
  public RegistryClient open(RegistryUri uri, RegistryOptions options) {
    validate(uri, options);
    return new MemoryRegistryClient(MemoryRegistry.named(uri.authority()));
  }

  @Override
  public void validate(RegistryUri uri, RegistryOptions options) {
    uri.requireKnownParams(Set.of());
    if (!uri.path().isEmpty() && !uri.path().equals("/")) {
      throw new IllegalArgumentException("memory registry uri path: '" + uri.path() + "' (expected: none, as in memory://name)");
    }
  }
}
