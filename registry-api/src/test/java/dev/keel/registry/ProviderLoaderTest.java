package dev.keel.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.registry.memory.MemoryRegistryProvider;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Adapters that only a given class loader's service files name (an application's plug-in
 * directory, such as keel-proxy's {@code plugins/}): found by scheme through that loader, with the
 * built-in ones still there, and never through the default lookup.
 */
class ProviderLoaderTest {
  /** {@code loaded-only://name}: the memory registry under another scheme, named by the test's service file. */
  public static final class LoadedOnlyProvider implements RegistryProvider {
    private final MemoryRegistryProvider memory = new MemoryRegistryProvider();

    @Override
    public String scheme() {
      return "loaded-only";
    }

    @Override
    public RegistryClient open(RegistryUri uri, RegistryOptions options) {
      return memory.open(uri, options);
    }

    @Override
    public void validate(RegistryUri uri, RegistryOptions options) {
      memory.validate(uri, options);
    }
  }

  @TempDir Path dir;

  private URLClassLoader pluginLoader() throws IOException {
    Path services = Files.createDirectories(dir.resolve("META-INF/services"));
    Files.writeString(services.resolve(RegistryProvider.class.getName()), LoadedOnlyProvider.class.getName() + "\n",
        StandardCharsets.UTF_8);
    return new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader());
  }

  @Test
  void anAdapterNamedOnlyByAnotherLoaderIsFoundThroughItWithTheBuiltInOnes() throws IOException {
    try (URLClassLoader loader = pluginLoader()) {
      assertThat(Registries.providers(loader)).extracting(RegistryProvider::scheme).contains("loaded-only", "memory", "static");
      assertThat(Registries.provider("loaded-only", loader)).isInstanceOf(LoadedOnlyProvider.class);
      Registries.validate("loaded-only://x", loader);
      assertThatThrownBy(() -> Registries.validate("loaded-only://x?bogus=1", loader))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bogus");
      try (RegistryClient client = Registries.open("loaded-only://provider-loader-test", RegistryOptions.defaults(), loader)) {
        client.register(ServiceInstance.builder().service("orders").host("127.0.0.1").port(9001).build());
        assertThat(client.resolve("orders").instances()).hasSize(1);
      }
    }
  }

  @Test
  void withoutTheLoaderTheSchemeIsUnknown() {
    assertThatThrownBy(() -> Registries.validate("loaded-only://x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("registry uri scheme: 'loaded-only'");
  }
}
