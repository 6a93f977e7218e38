package dev.keel.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SharedRegistriesTest {
  private final List<String> opened = new ArrayList<>();
  private final SharedRegistries registries = new SharedRegistries(uri -> {
    opened.add(uri);
    if (uri.contains("broken")) {
      throw new IllegalArgumentException("registry uri scheme: 'broken'");
    }
    return Registries.open(uri);
  });

  @Test
  void channelsToOneRegistryShareOneClientUntilTheLastLetsGo() {
    RegistryClient a = registries.acquire("memory://shared-a");
    RegistryClient b = registries.acquire("memory://shared-a");
    assertThat(b).isSameAs(a);
    assertThat(opened).containsExactly("memory://shared-a");
    assertThat(registries.open()).isEqualTo(1);

    registries.release("memory://shared-a");
    a.resolve("orders"); // still open: one user left
    registries.release("memory://shared-a");
    assertThat(registries.open()).isZero();
    assertThatThrownBy(() -> a.resolve("orders")).isInstanceOf(IllegalStateException.class);

    RegistryClient again = registries.acquire("memory://shared-a");
    assertThat(again).isNotSameAs(a);
    registries.release("memory://shared-a");
  }

  @Test
  void aFailedOpenIsNotCachedAndNotCounted() {
    assertThatThrownBy(() -> registries.acquire("broken://x")).hasMessageContaining("broken");
    assertThatThrownBy(() -> registries.acquire("broken://x")).hasMessageContaining("broken");
    assertThat(opened).hasSize(2);
    assertThat(registries.open()).isZero();
  }
}
