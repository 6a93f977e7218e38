package dev.keel.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.grpc.testing.Echo;
import dev.keel.grpc.testing.EchoServer;
import dev.keel.grpc.testing.SharedZooKeeper;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The {@code keel} policy over a real ZooKeeper and four real grpc-netty servers: a rolling restart
 * under load (every server in turn deregisters, drains, stops, starts again on its port and
 * registers) fails no unary RPC, with grpc-java's retries off, and afterwards the RPCs are spread
 * within 10 % of even.
 */
@ExtendWith(SharedZooKeeper.class)
class RollingRestartIntegrationTest {
  private static final String SERVICE = "rolling-greeter";

  private RegistryClient serverRegistry;
  private String zk;
  private final List<EchoServer> servers = new ArrayList<>();
  private @Nullable ManagedChannel channel;
  private @Nullable ExecutorService load;

  @BeforeEach
  void setUp() {
    zk = SharedZooKeeper.uri();
    serverRegistry = Registries.open(zk + "/services");
    for (int i = 0; i < 4; i++) {
      servers.add(new EchoServer("s" + i, serverRegistry, SERVICE, Map.of(), Duration.ofMillis(300)).start());
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    if (load != null) {
      load.shutdownNow();
      load.awaitTermination(10, TimeUnit.SECONDS);
    }
    if (channel != null) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    for (EchoServer s : servers) {
      s.close();
    }
    serverRegistry.close();
  }

  @Test
  void aRollingRestartUnderLoadFailsNoRpcAndEndsEven() throws Exception {
    channel = Grpc.newChannelBuilder(zk + "/services/" + SERVICE, InsecureChannelCredentials.create())
        .defaultServiceConfig(KeelGrpc.serviceConfig(KeelGrpc.POLICY,
            // round-robin: even by construction, so a share off by 10 % means instances missing from
            // the picks (least-request would follow the servers' latencies on this busy machine).
            Map.of("policy", "round-robin", "slowStartWindow", "1s")))
        .disableRetry() // not even transparent retries: every failure reaches the caller
        .build();
    Map<String, LongAdder> answered = new ConcurrentHashMap<>();
    AtomicLong failed = new AtomicLong();
    List<Throwable> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    AtomicBoolean running = new AtomicBoolean(true);
    load = Executors.newFixedThreadPool(6);
    for (int t = 0; t < 6; t++) {
      load.execute(() -> {
        while (running.get()) {
          try {
            answered.computeIfAbsent(Echo.who(channel), k -> new LongAdder()).increment();
          } catch (RuntimeException e) {
            failed.incrementAndGet();
            failures.add(e);
          }
        }
      });
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> answered.size() == 4);

    for (EchoServer s : servers) {
      s.restart();
      long before = s.calls();
      await().atMost(Duration.ofSeconds(20)).until(() -> s.calls() > before + 50); // back in the picks
    }

    // Shares after the restart, once slow start has ramped the last one up.
    await().pollDelay(Duration.ofMillis(1200)).atMost(Duration.ofSeconds(5)).until(() -> true);
    servers.forEach(EchoServer::resetCalls);
    await().atMost(Duration.ofSeconds(30)).until(() -> servers.stream().mapToLong(EchoServer::calls).sum() >= 4000);
    running.set(false);
    long total = servers.stream().mapToLong(EchoServer::calls).sum();

    assertThat(failures).as("failed RPCs").isEmpty();
    assertThat(failed.get()).isZero();
    for (EchoServer s : servers) {
      assertThat((double) s.calls() / total).as("share of %s", s).isBetween(0.25 * 0.9, 0.25 * 1.1);
    }
  }
}
