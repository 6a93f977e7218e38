package dev.keel.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
  void twoChannelsToOneRegistryUriHoldOneClientWhichTheLastOneCloses() throws Exception {
    String registry = "memory://shared-channels-" + System.nanoTime();
    int before = SharedRegistries.INSTANCE.open();
    ManagedChannel orders = Grpc.newChannelBuilder(registry + "/orders", InsecureChannelCredentials.create()).build();
    ManagedChannel billing = Grpc.newChannelBuilder(registry + "/billing", InsecureChannelCredentials.create()).build();
    orders.getState(true); // starts resolving
    billing.getState(true);

    // Both resolved (no instances: pick_first reports TRANSIENT_FAILURE), so both hold the client.
    await().atMost(Duration.ofSeconds(10)).until(() -> orders.getState(false) == ConnectivityState.TRANSIENT_FAILURE
        && billing.getState(false) == ConnectivityState.TRANSIENT_FAILURE);
    assertThat(SharedRegistries.INSTANCE.open()).isEqualTo(before + 1);
    orders.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    assertThat(SharedRegistries.INSTANCE.open()).isEqualTo(before + 1);
    billing.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10)).until(() -> SharedRegistries.INSTANCE.open() == before);
  }

  @Test
  void aFailedOpenIsNotCachedAndNotCounted() {
    assertThatThrownBy(() -> registries.acquire("broken://x")).hasMessageContaining("broken");
    assertThatThrownBy(() -> registries.acquire("broken://x")).hasMessageContaining("broken");
    assertThat(opened).hasSize(2);
    assertThat(registries.open()).isZero();
  }
}
