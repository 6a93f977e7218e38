package dev.keel.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.balancer.Balancer;
import dev.keel.balancer.BalancerConfig;
import dev.keel.registry.Registration;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LongConnectionsTest {
  private final ManualClock clock = new ManualClock();
  private final RegistryClient registry = Registries.open("memory://long-" + UUID.randomUUID());
  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    registry.close();
  }

  private Registration register(String id) {
    return registry.register(ServiceInstance.builder().service("sessions").id(id).host("10.0.0." + id.substring(1))
        .port(9600).build());
  }

  private Balancer balancer() {
    Balancer b = Balancer.builder(registry, "sessions").clock(clock)
        .config(BalancerConfig.builder().rebalanceSettle(Duration.ofSeconds(5)).build()).build();
    toClose.add(b);
    return b;
  }

  private final List<String> events = new CopyOnWriteArrayList<>();

  private LongConnections<FakeConnections.Conn> connections(Balancer b, FakeConnections fake, int n) {
    LongConnections<FakeConnections.Conn> lc = LongConnections.builder(b, fake)
        .connections(n).handover(fake::handover).executor(Runnable::run).onEvent(events::add)
        .interval(Duration.ofMillis(100)).random(new SplittableRandom(7)).build();
    toClose.add(lc);
    return lc;
  }

  private void awaitMembers(Balancer b, int n) {
    await().atMost(Duration.ofSeconds(10)).until(() -> b.state().available().size() == n);
  }

  @Test
  void scaleOutFromThreeToSixEvensOutMakeBeforeBreakWithFewMoves() {
    register("i1");
    register("i2");
    register("i3");
    Balancer b = balancer();
    FakeConnections fake = new FakeConnections();
    LongConnections<FakeConnections.Conn> lc = connections(b, fake, 300);
    clock.advance(Duration.ofMillis(200));
    assertThat(lc.spread()).containsOnly(Map.entry("i1", 100), Map.entry("i2", 100), Map.entry("i3", 100));

    register("i4");
    register("i5");
    register("i6");
    awaitMembers(b, 6);
    // Before the settle window nothing moves: a rolling change may still be under way.
    clock.advance(Duration.ofSeconds(4));
    assertThat(lc.moves()).isZero();

    clock.advance(Duration.ofSeconds(11)); // settle (5 s) + 10 s after the join, in total
    int share = 300 / 6;
    assertThat(lc.spread()).hasSize(6);
    assertThat(lc.spread().values()).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo((int) (1.10 * share)));
    assertThat(lc.evenness().maxOverShare()).isLessThanOrEqualTo(1.10);
    assertThat(lc.connections()).hasSize(300);
    assertThat(fake.violations).isEmpty();
    int minimum = 3 * (100 - share); // surplus that has to move
    assertThat(fake.handovers).isBetween(minimum, (int) (1.25 * minimum));
    assertThat(lc.moves()).isEqualTo(fake.handovers);
    assertThat(events.stream().filter(e -> e.startsWith("move i"))).hasSize(fake.handovers)
        .allSatisfy(e -> assertThat(e).matches("move i[123] -> i[456]"));
    assertThat(fake.openCount()).isEqualTo(300);
  }

  @Test
  void connectionsToARemovedInstanceAreReplacedAtOnce() {
    register("i1");
    Registration gone = register("i2");
    Balancer b = balancer();
    FakeConnections fake = new FakeConnections();
    LongConnections<FakeConnections.Conn> lc = connections(b, fake, 10);
    clock.advance(Duration.ofMillis(200));
    assertThat(lc.spread()).containsOnly(Map.entry("i1", 5), Map.entry("i2", 5));

    gone.close();
    awaitMembers(b, 1);
    // No clock advance: the balancer's state change alone triggers the replacement.
    await().atMost(Duration.ofSeconds(10)).until(() -> lc.spread().equals(Map.of("i1", 10)));

    assertThat(fake.violations).isEmpty();
    assertThat(fake.openCount()).isEqualTo(10);
  }

  @Test
  void aFailedHandoverKeepsTheOldConnectionAndIsRetried() {
    register("i1");
    Balancer b = balancer();
    FakeConnections fake = new FakeConnections();
    LongConnections<FakeConnections.Conn> lc = connections(b, fake, 20);
    clock.advance(Duration.ofMillis(200));
    fake.failHandovers = 3;

    register("i2");
    awaitMembers(b, 2);
    clock.advance(Duration.ofSeconds(10));

    assertThat(lc.spread()).containsOnly(Map.entry("i1", 10), Map.entry("i2", 10));
    assertThat(fake.failedHandovers).isEqualTo(3);
    assertThat(fake.violations).isEmpty();
    assertThat(fake.openCount()).isEqualTo(20);
  }

  @Test
  void aFailedMoveIsKeptSoItIsNotRepeatedOnceTheSpreadNoLongerCallsForIt() {
    register("i1");
    Balancer b = balancer();
    FakeConnections fake = new FakeConnections();
    LongConnections<FakeConnections.Conn> lc = connections(b, fake, 20);
    clock.advance(Duration.ofMillis(200));
    fake.failHandovers = Integer.MAX_VALUE; // every move to the newcomer fails

    Registration newcomer = register("i2");
    awaitMembers(b, 2);
    clock.advance(Duration.ofSeconds(7));
    assertThat(fake.failedHandovers).isPositive();
    newcomer.close(); // it leaves again before any move succeeded
    awaitMembers(b, 1);
    fake.failHandovers = 0;
    clock.advance(Duration.ofSeconds(10));

    // The failed moves were taken back (not left pending), and a move never lands on its own
    // instance: nothing moves "i1 -> i1" now that i1 is alone.
    assertThat(lc.moves()).isZero();
    assertThat(events).noneMatch(e -> e.startsWith("move"));
    assertThat(lc.spread()).containsOnly(Map.entry("i1", 20));
    assertThat(fake.violations).isEmpty();
    assertThat(fake.openCount()).isEqualTo(20);
  }

  @Test
  void aBrokenConnectionIsReplacedAndCloseClosesEverything() {
    register("i1");
    Balancer b = balancer();
    FakeConnections fake = new FakeConnections();
    LongConnections<FakeConnections.Conn> lc = connections(b, fake, 4);
    clock.advance(Duration.ofMillis(200));
    FakeConnections.Conn victim = lc.connections().get(0);

    victim.broken = true;
    lc.reportBroken(victim);

    assertThat(lc.connections()).hasSize(4).doesNotContain(victim);
    assertThat(victim.open).isFalse();
    assertThat(fake.violations).isEmpty();
    fake.closingAll = true;
    lc.close();
    assertThat(fake.openCount()).isZero();
  }
}
