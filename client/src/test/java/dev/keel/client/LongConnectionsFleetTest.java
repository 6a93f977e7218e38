package dev.keel.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.balancer.Balancer;
import dev.keel.balancer.BalancerConfig;
import dev.keel.balancer.Endpoint;
import dev.keel.registry.Registration;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.jspecify.annotations.Nullable;

/**
 * {@link LongConnections} in fleet mode: when the instances publish how many connections they hold
 * (from every client process), this process places and moves its connections by those counts, still
 * make-before-break; {@code rebalanceCounts(LOCAL)} keeps to its own.
 */
class LongConnectionsFleetTest {
  private final ManualClock clock = new ManualClock();
  private final RegistryClient registry = Registries.open("memory://fleet-" + UUID.randomUUID());
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final List<String> events = new CopyOnWriteArrayList<>();
  private final FakeConnections fake = new FakeConnections();
  private @Nullable Balancer balancer;

  @AfterEach
  void closeAll() throws Exception {
    fake.closingAll = true;
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    registry.close();
  }

  /** An instance that says it holds {@code count} connections (of other processes). */
  private Registration register(String id, int count) {
    return registry.register(ServiceInstance.builder().service("sessions").id(id).host("10.0.0." + id.substring(1))
        .port(9600).putMetadata(ServiceInstance.CONNECTIONS, String.valueOf(count)).build());
  }

  private LongConnections<FakeConnections.Conn> connections(BalancerConfig.ConnectionCounts counts, int n) {
    Balancer b = Balancer.builder(registry, "sessions").clock(clock).random(new SplittableRandom(3))
        .config(BalancerConfig.builder().rebalanceCounts(counts).build()).build();
    toClose.add(b);
    balancer = b;
    LongConnections<FakeConnections.Conn> lc = LongConnections.builder(b, fake)
        .connections(n).handover(fake::handover).executor(Runnable::run).onEvent(events::add)
        .interval(Duration.ofMillis(100)).random(new SplittableRandom(7)).build();
    toClose.add(lc);
    return lc;
  }

  @Test
  void placesItsConnectionsByTheCountsTheInstancesPublish() {
    register("i1", 100);
    register("i2", 0);
    register("i3", 0);
    LongConnections<FakeConnections.Conn> lc = connections(BalancerConfig.ConnectionCounts.AUTO, 30);
    clock.advance(Duration.ofMillis(200));

    Map<String, Integer> spread = lc.spread();
    assertThat(spread).doesNotContainKey("i1"); // already far above its share of 130
    assertThat(spread.getOrDefault("i2", 0) + spread.getOrDefault("i3", 0)).isEqualTo(30);
    assertThat(spread.get("i2")).isBetween(10, 20);
  }

  @Test
  void movesOffAnInstanceThatSaysItHoldsMoreThanItsShareMakeBeforeBreak() {
    Registration i1 = register("i1", 10);
    register("i2", 10);
    register("i3", 10);
    LongConnections<FakeConnections.Conn> lc = connections(BalancerConfig.ConnectionCounts.AUTO, 30);
    clock.advance(Duration.ofMillis(200));
    int onI1 = lc.spread().getOrDefault("i1", 0);
    assertThat(onI1).isBetween(6, 14);

    // Other processes piled onto i1: it now says 200, of 220 (share 73).
    i1.update(i1.instance().toBuilder().putMetadata(ServiceInstance.CONNECTIONS, "200").build());
    await().atMost(Duration.ofSeconds(10)).until(() -> publishedBy("i1") == 200);
    clock.advance(Duration.ofSeconds(30));

    // Each of ours on i1 moved with probability (200 − 73) / 200, decided once on that count
    // and once more four rounds later as it did not change: about 86 % of them.
    assertThat(lc.moves()).isBetween((long) Math.max(1, onI1 / 2), (long) onI1);
    assertThat(lc.spread().get("i1")).isEqualTo(onI1 - (int) lc.moves());
    assertThat(events.stream().filter(e -> e.startsWith("move"))).allMatch(e -> e.matches("move i1 -> i[23]"));
    assertThat(fake.violations).isEmpty();
    assertThat(fake.openCount()).isEqualTo(30);
  }

  @Test
  void keepsToItsOwnCountsWhenConfiguredLocal() {
    Registration i1 = register("i1", 10);
    register("i2", 10);
    register("i3", 10);
    LongConnections<FakeConnections.Conn> lc = connections(BalancerConfig.ConnectionCounts.LOCAL, 30);
    clock.advance(Duration.ofMillis(200));
    assertThat(lc.spread()).containsOnly(Map.entry("i1", 10), Map.entry("i2", 10), Map.entry("i3", 10));

    i1.update(i1.instance().toBuilder().putMetadata(ServiceInstance.CONNECTIONS, "200").build());
    await().atMost(Duration.ofSeconds(10)).until(() -> publishedBy("i1") == 200);
    clock.advance(Duration.ofSeconds(30));

    assertThat(lc.moves()).isZero();
    assertThat(lc.spread()).containsOnly(Map.entry("i1", 10), Map.entry("i2", 10), Map.entry("i3", 10));
  }

  /** The count {@code id} publishes, as this process's balancer sees it. */
  private int publishedBy(String id) {
    Endpoint e = Objects.requireNonNull(balancer, "balancer").state().member(id);
    return e == null ? -1 : e.publishedConnections();
  }
}
