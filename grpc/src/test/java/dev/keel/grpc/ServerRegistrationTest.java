package dev.keel.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.grpc.testing.Echo;
import dev.keel.registry.InstanceSet;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.Subscription;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ServerRegistrationTest {
  private final RegistryClient registry = Registries.open("memory://registration-" + System.nanoTime() + "?empty-protection=false");

  @AfterEach
  void tearDown() {
    registry.close();
  }

  private static Server server(CountDownLatch release) {
    return builder(release).build();
  }

  private static NettyServerBuilder builder(CountDownLatch release) {
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(Echo.service(request -> {
          if (request.equals("slow")) {
            try {
              release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          return "ok";
        }));
  }

  @Test
  void registersTheListeningPortWithTheGivenIdentity() throws Exception {
    ServerRegistration registration = ServerRegistration.builder(registry, "orders")
        .id("orders-1").weight(50).metadata(Map.of("zone", "a")).drainDelay(Duration.ZERO).build();
    Server server = registration.start(server(new CountDownLatch(0)));
    try {
      ServiceInstance registered = registry.resolve("orders").get("orders-1");
      assertThat(registered).isNotNull();
      assertThat(registered.host()).isEqualTo("127.0.0.1");
      assertThat(registered.port()).isEqualTo(server.getPort());
      assertThat(registered.weight()).isEqualTo(50);
      assertThat(registered.metadata()).containsEntry("zone", "a");
      assertThatThrownBy(() -> registration.start(server(new CountDownLatch(0)))).isInstanceOf(IllegalStateException.class);
    } finally {
      registration.stop(Duration.ofSeconds(5));
    }
    assertThat(registry.resolve("orders").isEmpty()).isTrue();
    assertThat(server.isTerminated()).isTrue();
  }

  @Test
  void stopDeregistersWhileTheServerStillAnswersThenLetsRunningCallsFinish() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    ServerRegistration registration = ServerRegistration.builder(registry, "orders").drainDelay(Duration.ofMillis(300)).build();
    Server server = registration.start(server(release));
    ManagedChannel direct = Grpc.newChannelBuilder("127.0.0.1:" + server.getPort(), InsecureChannelCredentials.create()).build();
    try {
      CompletableFuture<String> running = CompletableFuture.supplyAsync(() -> io.grpc.stub.ClientCalls.blockingUnaryCall(
          direct, Echo.WHO, io.grpc.CallOptions.DEFAULT.withDeadlineAfter(20, TimeUnit.SECONDS), "slow"));
      assertThat(Echo.who(direct)).isEqualTo("ok"); // the slow call is on its way too

      // Whoever watches sees the instance go while the server still takes calls.
      List<String> answersAfterDeregistration = new CopyOnWriteArrayList<>();
      CountDownLatch gone = new CountDownLatch(1);
      Subscription watch = registry.watch("orders", (InstanceSet set) -> {
        if (set.isEmpty() && gone.getCount() > 0) {
          answersAfterDeregistration.add(Echo.who(direct));
          gone.countDown();
        }
      });
      CompletableFuture<Boolean> stopped = CompletableFuture.supplyAsync(() -> {
        try {
          return registration.stop(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
      assertThat(gone.await(10, TimeUnit.SECONDS)).isTrue();
      watch.close();
      assertThat(answersAfterDeregistration).containsExactly("ok");

      release.countDown(); // the running call finishes within the grace period
      assertThat(running.get(10, TimeUnit.SECONDS)).isEqualTo("ok");
      assertThat(stopped.get(10, TimeUnit.SECONDS)).isTrue();
      assertThat(server.isTerminated()).isTrue();
    } finally {
      release.countDown();
      direct.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private String published(String id) {
    ServiceInstance i = registry.resolve("orders").get(id);
    return i == null ? "gone" : i.metadata().getOrDefault(ServiceInstance.CONNECTIONS, "none");
  }

  @Test
  void publishesItsClientConnectionCountWhileRegistered() throws Exception {
    ServerRegistration registration = ServerRegistration.builder(registry, "orders").id("orders-1")
        .publishInterval(Duration.ofMillis(50)).drainDelay(Duration.ZERO).build();
    Server server = registration.start(builder(new CountDownLatch(0)));
    assertThat(published("orders-1")).isEqualTo("0"); // registered with it, before any client
    List<ManagedChannel> clients = new java.util.ArrayList<>();
    try {
      for (int k = 0; k < 3; k++) {
        ManagedChannel c = Grpc.newChannelBuilder("127.0.0.1:" + server.getPort(), InsecureChannelCredentials.create()).build();
        assertThat(Echo.who(c)).isEqualTo("ok"); // connected
        clients.add(c);
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> published("orders-1").equals("3"));
      assertThat(registration.connections()).isEqualTo(3);

      clients.remove(0).shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(10)).until(() -> published("orders-1").equals("2"));
    } finally {
      for (ManagedChannel c : clients) {
        c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      registration.stop(Duration.ofSeconds(5));
    }
    assertThat(published("orders-1")).isEqualTo("gone");
  }

  @Test
  void aServerStartedWithoutTheFilterPublishesNoCount() throws Exception {
    ServerRegistration registration = ServerRegistration.builder(registry, "orders").id("orders-1")
        .drainDelay(Duration.ZERO).build();
    registration.start(server(new CountDownLatch(0)));
    try {
      assertThat(published("orders-1")).isEqualTo("none"); // a 0 it could never update would attract every client
    } finally {
      registration.stop(Duration.ofSeconds(5));
    }
  }

  @Test
  void publishingCanBeTurnedOff() throws Exception {
    ServerRegistration registration = ServerRegistration.builder(registry, "orders").id("orders-1")
        .publishConnections(false).drainDelay(Duration.ZERO).build();
    registration.start(builder(new CountDownLatch(0)));
    try {
      assertThat(published("orders-1")).isEqualTo("none");
    } finally {
      registration.stop(Duration.ofSeconds(5));
    }
  }

  @Test
  void badPublishingSettingsAreRejectedNamingTheField() {
    assertThatThrownBy(() -> ServerRegistration.builder(registry, "orders").publishInterval(Duration.ofMillis(1)))
        .hasMessage("publishInterval: 1ms (expected: 10ms..1h)");
    assertThatThrownBy(() -> ServerRegistration.builder(registry, "orders").publishMinChange(-0.1))
        .hasMessage("publishMinChange: -0.1 (expected: 0.0..0.5)");
  }
}
