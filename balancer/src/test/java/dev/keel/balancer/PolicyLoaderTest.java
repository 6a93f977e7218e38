package dev.keel.balancer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.registry.ServiceInstance;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Policies that only a given class loader's service files name (a plug-in directory loaded by an
 * application, such as keel-proxy's {@code plugins/}): found by name through that loader, and by
 * balancers built with it, never through the default one.
 */
class PolicyLoaderTest {
  /** Always the first candidate; named only by the service file the test writes. */
  public static final class FirstPolicy implements BalancingPolicy {
    @Override
    public String name() {
      return "first-only-through-a-loader";
    }

    @Override
    public Picker newPicker(Candidates candidates) {
      Endpoint first = candidates.endpoint(0);
      return key -> first;
    }
  }

  @TempDir Path dir;

  private URLClassLoader pluginLoader() throws IOException {
    Path services = Files.createDirectories(dir.resolve("META-INF/services"));
    Files.writeString(services.resolve(BalancingPolicy.class.getName()), FirstPolicy.class.getName() + "\n",
        StandardCharsets.UTF_8);
    return new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader());
  }

  @Test
  void aPolicyNamedOnlyByAnotherLoaderIsFoundThroughItAlone() throws IOException {
    try (URLClassLoader loader = pluginLoader()) {
      assertThat(Policies.all()).doesNotContainKey("first-only-through-a-loader");
      assertThat(Policies.all(loader)).containsKeys("first-only-through-a-loader", Policies.ROUND_ROBIN);
      assertThat(Policies.byName("first-only-through-a-loader", loader)).isInstanceOf(FirstPolicy.class);
      assertThatThrownBy(() -> Policies.byName("first-only-through-a-loader"))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("first-only-through-a-loader");
    }
  }

  @Test
  void aBalancerBuiltWithTheLoaderUsesThePolicyItNames() throws IOException {
    SettableDiscovery d = new SettableDiscovery();
    d.set(List.of(
        ServiceInstance.builder().service("orders").id("a").host("127.0.0.1").port(9001).build(),
        ServiceInstance.builder().service("orders").id("b").host("127.0.0.1").port(9002).build()));
    BalancerConfig config = BalancerConfig.builder().policy("first-only-through-a-loader").build();
    try (URLClassLoader loader = pluginLoader();
        Balancer balancer = Balancer.builder(d, "orders").config(config).policyLoader(loader).executor(Runnable::run).build()) {
      for (int i = 0; i < 10; i++) {
        Endpoint e = balancer.pick(PickArgs.ANY);
        assertThat(e).isNotNull();
        assertThat(e.id()).isEqualTo("a");
        e.release();
      }
    }
    assertThatThrownBy(() -> Balancer.builder(d, "orders").config(config).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("first-only-through-a-loader");
  }
}
