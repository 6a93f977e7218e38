package dev.keel.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.grpc.testing.Echo;
import dev.keel.grpc.testing.EchoServer;
import dev.keel.grpc.testing.FleetClientProcess;
import dev.keel.grpc.testing.PublishingServers;
import dev.keel.grpc.testing.SharedZooKeeper;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.jspecify.annotations.Nullable;

/**
 * {@code keel_connection} across processes, over a real ZooKeeper and real grpc-netty servers: 200
 * one-connection clients that share nothing — each its own registry client (its own ZooKeeper
 * session and watch), channel, balancer and connection balancer, as 200 processes would — stay
 * even because the servers publish their connection counts ({@link ServerRegistration}) and each
 * client places and moves its one connection by them (fleet mode). No RPC fails because a
 * connection moved (retries are off; the servers count what they answered).
 *
 * <p>The servers publish every 500 ms and every change ({@link PublishingServers}); the clients
 * use a 1 s settle and 4 s rounds instead of 5 s and 5 s, to keep the test short.
 */
@ExtendWith(SharedZooKeeper.class)
class FleetConnectionBalancingIntegrationTest {
  private static final int CLIENTS = 200;

  private final String service = "fleet-" + System.nanoTime();
  private final PublishingServers servers = new PublishingServers(service);
  private final List<RegistryClient> clientRegistries = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<Throwable> failures = new CopyOnWriteArrayList<>();
  private final LongAdder answered = new LongAdder();
  private final AtomicBoolean running = new AtomicBoolean(true);
  private @Nullable ExecutorService load;

  @AfterEach
  void tearDown() throws Exception {
    running.set(false);
    ExecutorService l = load;
    if (l != null) {
      l.shutdownNow();
      l.awaitTermination(10, TimeUnit.SECONDS);
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
    servers.stop();
  }

  /** 200 clients, each alone in the world but for the registry; 4 threads call through them all in turn. */
  private void connectIndependentClientsUnderLoad() {
    for (int i = 0; i < CLIENTS; i++) {
      RegistryClient own = Registries.open(SharedZooKeeper.uri() + "/services");
      clientRegistries.add(own);
      channels.add(FleetClientProcess.oneConnectionChannel(own, service));
    }
    await().atMost(Duration.ofSeconds(60))
        .until(() -> channels.stream().allMatch(c -> c.getState(false) == ConnectivityState.READY));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    load = pool;
    for (int t = 0; t < 4; t++) {
      int first = t;
      pool.execute(() -> {
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
    return servers.connections();
  }

  private boolean allWithin(int low, int high) {
    return servers.allWithin(low, high, CLIENTS);
  }

  private void assertStillAnsweringAndNothingFailed() {
    long before = answered.sum();
    await().atMost(Duration.ofSeconds(10)).until(() -> answered.sum() > before + 200);
    running.set(false);
    assertThat(failures).as("RPCs failed by a move").isEmpty();
  }

  @Test
  void twoHundredIndependentClientsEndWithinTenPercentOfFiftyAfterARollingRestart() throws Exception {
    servers.start(0, 4);
    connectIndependentClientsUnderLoad();
    await().atMost(Duration.ofSeconds(60)).until(() -> allWithin(45, 55));
    List<Integer> placed = connectionsPerServer();
    long before = servers.accepted();

    for (EchoServer s : servers.servers()) {
      s.restart();
      await().atMost(Duration.ofSeconds(30)).until(() -> s.connections() > 0); // placed on again
    }

    await().atMost(Duration.ofSeconds(90)).until(() -> allWithin(45, 55));
    PublishingServers.report("rolling restart: placed " + placed + ", after " + connectionsPerServer() + ", " + (servers.accepted() - before)
        + " connections made (each restart forces its ~50 off, then the fleet moves ~50 back)");
    assertStillAnsweringAndNothingFailed();
    assertThat(connectionsPerServer()).allSatisfy(n -> assertThat(n).isBetween(45, 55));
  }

  @Test
  void aScaleOutFromThreeToSixSpreadsTwoHundredIndependentClientsWithinTenPercent() throws Exception {
    servers.start(0, 3);
    connectIndependentClientsUnderLoad();
    await().atMost(Duration.ofSeconds(60)).until(() -> allWithin(60, 73));
    List<Integer> before = connectionsPerServer();
    int minimum = before.stream().mapToInt(n -> Math.max(0, n - 34)).sum();
    long acceptedBefore = servers.accepted();

    servers.start(3, 6);

    await().atMost(Duration.ofSeconds(90)).until(() -> allWithin(30, 36));
    long moves = servers.accepted() - acceptedBefore;
    PublishingServers.report("scale-out 3 -> 6: " + before + " -> " + connectionsPerServer() + ", " + moves + " moves, minimum " + minimum);
    assertStillAnsweringAndNothingFailed();
    assertThat(connectionsPerServer()).allSatisfy(n -> assertThat(n).isBetween(30, 36));
    assertThat(moves).as("moves, minimum %d", minimum).isLessThanOrEqualTo(Math.round(minimum * 1.6));
  }
}
