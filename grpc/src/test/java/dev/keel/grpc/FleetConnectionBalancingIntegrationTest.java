package dev.keel.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.grpc.testing.Echo;
import dev.keel.grpc.testing.EchoServer;
import dev.keel.grpc.testing.SharedZooKeeper;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import io.grpc.ConnectivityState;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code keel_connection} across processes, over a real ZooKeeper and real grpc-netty servers: 200
 * one-connection clients that share nothing — each its own registry client (its own ZooKeeper
 * session and watch), channel, balancer and connection balancer, as 200 processes would — stay
 * even because the servers publish their connection counts ({@link ServerRegistration}) and each
 * client places and moves its one connection by them (fleet mode). No RPC fails because a
 * connection moved (retries are off; the servers count what they answered).
 *
 * <p>The servers publish every 200 ms and every change (a count of ~50 has a 5 % dead band of 2
 * connections at the default, which the 45..55 bounds could not tell from a real spread); the
 * clients use a 1 s settle and 3 s rounds instead of 5 s and 5 s, to keep the test short.
 */
@ExtendWith(SharedZooKeeper.class)
class FleetConnectionBalancingIntegrationTest {
  private static final int CLIENTS = 200;
  private static final Map<String, ?> CONFIG = Map.of(
      "rebalanceSettle", "1s", "rebalanceRound", "4s", "rebalanceInterval", "250ms");

  private String service;
  private RegistryClient serverRegistry;
  private final List<EchoServer> servers = new CopyOnWriteArrayList<>();
  private final List<RegistryClient> clientRegistries = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<Throwable> failures = new CopyOnWriteArrayList<>();
  private final LongAdder answered = new LongAdder();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private ExecutorService load;

  @BeforeEach
  void setUp() {
    service = "fleet-" + System.nanoTime();
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
    for (RegistryClient r : clientRegistries) {
      r.close();
    }
    for (EchoServer s : servers) {
      s.close();
    }
    serverRegistry.close();
  }

  private void startServers(int from, int to) {
    for (int i = from; i < to; i++) {
      servers.add(new EchoServer("s" + i, serverRegistry, service, Map.of(), Duration.ofMillis(300))
          .publishing(Duration.ofMillis(500), 0.0).start());
    }
  }

  /** 200 clients, each alone in the world but for the registry; 4 threads call through them all in turn. */
  private void connectIndependentClientsUnderLoad() {
    for (int i = 0; i < CLIENTS; i++) {
      RegistryClient own = Registries.open(SharedZooKeeper.uri() + "/services");
      clientRegistries.add(own);
      ManagedChannel c = KeelGrpc.channelBuilder(own, service, InsecureChannelCredentials.create())
          .defaultServiceConfig(KeelGrpc.serviceConfig(KeelGrpc.CONNECTION_POLICY, CONFIG))
          .disableRetry()
          .build();
      c.getState(true);
      channels.add(c);
    }
    await().atMost(Duration.ofSeconds(60))
        .until(() -> channels.stream().allMatch(c -> c.getState(false) == ConnectivityState.READY));
    load = Executors.newFixedThreadPool(4);
    for (int t = 0; t < 4; t++) {
      int first = t;
      load.execute(() -> {
        for (int i = first; running.get(); i = (i + 4) % CLIENTS) {
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

  private boolean allWithin(int low, int high) {
    List<Integer> counts = connectionsPerServer();
    return counts.stream().allMatch(n -> n >= low && n <= high) && counts.stream().mapToInt(Integer::intValue).sum() == CLIENTS;
  }

  private long accepted() {
    return servers.stream().mapToLong(EchoServer::accepted).sum();
  }

  /** The numbers worth reading, in target/fleet-report.txt rather than the test log. */
  private static void record(String line) throws IOException {
    Files.writeString(Path.of("target", "fleet-report.txt"), Instant.now() + " " + line + System.lineSeparator(),
        StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  private void assertStillAnsweringAndNothingFailed() {
    long before = answered.sum();
    await().atMost(Duration.ofSeconds(10)).until(() -> answered.sum() > before + 200);
    running.set(false);
    assertThat(failures).as("RPCs failed by a move").isEmpty();
  }

  @Test
  void twoHundredIndependentClientsEndWithinTenPercentOfFiftyAfterARollingRestart() throws Exception {
    startServers(0, 4);
    connectIndependentClientsUnderLoad();
    await().atMost(Duration.ofSeconds(60)).until(() -> allWithin(45, 55));
    List<Integer> placed = connectionsPerServer();
    long before = accepted();

    for (EchoServer s : servers) {
      s.restart();
      await().atMost(Duration.ofSeconds(30)).until(() -> s.connections() > 0); // placed on again
    }

    await().atMost(Duration.ofSeconds(90)).until(() -> allWithin(45, 55));
    record("rolling restart: placed " + placed + ", after " + connectionsPerServer() + ", " + (accepted() - before)
        + " connections made (each restart forces its ~50 off, then the fleet moves ~50 back)");
    assertStillAnsweringAndNothingFailed();
    assertThat(connectionsPerServer()).allSatisfy(n -> assertThat(n).isBetween(45, 55));
  }

  @Test
  void aScaleOutFromThreeToSixSpreadsTwoHundredIndependentClientsWithinTenPercent() throws Exception {
    startServers(0, 3);
    connectIndependentClientsUnderLoad();
    await().atMost(Duration.ofSeconds(60)).until(() -> allWithin(60, 73));
    List<Integer> before = connectionsPerServer();
    int minimum = before.stream().mapToInt(n -> Math.max(0, n - 34)).sum();
    long acceptedBefore = accepted();

    startServers(3, 6);

    await().atMost(Duration.ofSeconds(90)).until(() -> allWithin(30, 36));
    long moves = accepted() - acceptedBefore;
    record("scale-out 3 -> 6: " + before + " -> " + connectionsPerServer() + ", " + moves + " moves, minimum " + minimum);
    assertStillAnsweringAndNothingFailed();
    assertThat(connectionsPerServer()).allSatisfy(n -> assertThat(n).isBetween(30, 36));
    assertThat(moves).as("moves, minimum %d", minimum).isLessThanOrEqualTo(Math.round(minimum * 1.6));
  }
}
