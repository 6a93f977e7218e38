package dev.keel.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.grpc.testing.Echo;
import dev.keel.grpc.testing.EchoServer;
import dev.keel.grpc.testing.SharedZooKeeper;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code keel_connection} over a real ZooKeeper and real grpc-netty servers: 200 one-connection
 * channels of one process stay even (counted by the servers) after a rolling restart and a
 * scale-out, and no RPC fails because its channel moved. The channels share one connection group,
 * and this test holds them to its per-process rule ({@code rebalanceCounts: local}), which is
 * exact; across processes, see {@link FleetConnectionBalancingIntegrationTest}.
 */
@ExtendWith(SharedZooKeeper.class)
class ConnectionBalancingIntegrationTest {
  private static final int CHANNELS = 200;
  private static final Map<String, ?> CONFIG = Map.of(
      "rebalanceSettle", "1s", "rebalanceInterval", "200ms", "rebalanceMaxShedPerSecond", 200, "rebalanceCounts", "local");

  private String service;
  private RegistryClient serverRegistry;
  private final List<EchoServer> servers = new CopyOnWriteArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<Throwable> failures = new CopyOnWriteArrayList<>();
  private final LongAdder answered = new LongAdder();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private @Nullable ExecutorService load;

  @BeforeEach
  void setUp() {
    service = "conn-" + System.nanoTime();
    serverRegistry = Registries.open(SharedZooKeeper.uri() + "/services");
  }

  @AfterEach
  void tearDown() throws Exception {
    running.set(false);
    if (load != null) {
      load.shutdownNow();
      load.awaitTermination(10, TimeUnit.SECONDS);
    }
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
    for (ManagedChannel c : channels) {
      c.awaitTermination(5, TimeUnit.SECONDS);
    }
    for (EchoServer s : servers) {
      s.close();
    }
    serverRegistry.close();
  }

  private void startServers(int from, int to) {
    for (int i = from; i < to; i++) {
      servers.add(new EchoServer("s" + i, serverRegistry, service, Map.of(), Duration.ofMillis(300)).start());
    }
  }

  /** 200 channels, connected, with 4 threads calling through all of them in turn until the test ends. */
  private void connectChannelsUnderLoad() {
    for (int i = 0; i < CHANNELS; i++) {
      ManagedChannel c = Grpc.newChannelBuilder(SharedZooKeeper.uri() + "/services/" + service, InsecureChannelCredentials.create())
          .defaultServiceConfig(KeelGrpc.serviceConfig(KeelGrpc.CONNECTION_POLICY, CONFIG))
          .disableRetry()
          .build();
      c.getState(true);
      channels.add(c);
    }
    await().atMost(Duration.ofSeconds(30))
        .until(() -> channels.stream().allMatch(c -> c.getState(false) == ConnectivityState.READY));
    load = Executors.newFixedThreadPool(4);
    for (int t = 0; t < 4; t++) {
      int first = t;
      load.execute(() -> {
        for (int i = first; running.get(); i = (i + 4) % CHANNELS) {
          try {
            Echo.who(channels.get(i));
            answered.increment();
          } catch (RuntimeException e) {
            if (running.get()) {
              failures.add(e);
            }
          }
        }
      });
    }
  }

  private List<Integer> connectionsPerServer() {
    return servers.stream().map(EchoServer::connections).toList();
  }

  @Test
  void twoHundredOneConnectionChannelsEndEvenAfterARollingRestart() throws Exception {
    startServers(0, 4);
    connectChannelsUnderLoad();
    await().atMost(Duration.ofSeconds(20)).until(() -> connectionsPerServer().equals(List.of(50, 50, 50, 50)));

    for (EchoServer s : servers) {
      s.restart();
      await().atMost(Duration.ofSeconds(20)).until(() -> s.connections() > 0); // placed on again
    }

    await().atMost(Duration.ofSeconds(60)).until(() -> connectionsPerServer().stream().allMatch(n -> n >= 45 && n <= 55)
        && connectionsPerServer().stream().mapToInt(Integer::intValue).sum() == CHANNELS);
    long before = answered.sum();
    await().atMost(Duration.ofSeconds(10)).until(() -> answered.sum() > before + 200); // still answering
    running.set(false);
    assertThat(failures).as("RPCs failed by a move").isEmpty();
    assertThat(connectionsPerServer()).allSatisfy(n -> assertThat(n).isBetween(45, 55));
  }

  @Test
  void aScaleOutFromThreeToSixSpreadsTheChannels33Or34Each() throws Exception {
    startServers(0, 3);
    connectChannelsUnderLoad();
    await().atMost(Duration.ofSeconds(20)).until(() -> connectionsPerServer().stream().mapToInt(Integer::intValue).sum() == CHANNELS);

    startServers(3, 6);

    await().atMost(Duration.ofSeconds(60)).until(() -> connectionsPerServer().stream().allMatch(n -> n == 33 || n == 34)
        && connectionsPerServer().stream().mapToInt(Integer::intValue).sum() == CHANNELS);
    running.set(false);
    assertThat(failures).as("RPCs failed by a move").isEmpty();
    assertThat(connectionsPerServer()).allSatisfy(n -> assertThat(n).isIn(33, 34));
  }
}
