package dev.keel.balancer;

import static dev.keel.balancer.SettableDiscovery.instance;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.registry.ServiceInstance;
import dev.keel.registry.Subscription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConnectionBalancerTest {
  private final FakeClock clock = new FakeClock();
  private final SettableDiscovery discovery = new SettableDiscovery();
  private final List<ConnectionLease> open = new ArrayList<>();
  private int shed;

  private ConnectionBalancer connections(List<ServiceInstance> instances, BalancerConfig config) {
    discovery.set(instances);
    return ConnectionBalancer.create(Fixtures.balancer(discovery, clock, config).build());
  }

  private void openMany(ConnectionBalancer cb, int n) {
    for (int i = 0; i < n; i++) {
      open.add(cb.open());
    }
  }

  /** The transport's side: close what is shed and let the client reconnect at once. */
  private void shedAndReconnect(ConnectionBalancer cb) {
    for (ConnectionLease lease : cb.shedCandidates()) {
      assertThat(lease.shedding()).isTrue();
      lease.close();
      open.remove(lease);
      shed++;
      open.add(cb.open());
    }
  }

  private void run(ConnectionBalancer cb, Duration d) {
    for (long t = 0; t < d.toMillis(); t += 100) {
      clock.advanceMillis(100);
      shedAndReconnect(cb);
    }
  }

  private static Map<String, Integer> perEndpoint(List<ConnectionLease> leases) {
    Map<String, Integer> m = new HashMap<>();
    leases.forEach(l -> m.merge(l.endpoint().id(), 1, Integer::sum));
    return m;
  }

  @Test
  void placesNewConnectionsInProportionToWeight() {
    ConnectionBalancer cb = connections(List.of(instance(0, 100), instance(1, 200), instance(2, 300)),
        BalancerConfig.defaults());
    openMany(cb, 600);
    assertThat(perEndpoint(open)).containsEntry("e00", 100).containsEntry("e01", 200).containsEntry("e02", 300);
    assertThat(cb.evenness().maxOverShare()).isEqualTo(1.0);
    assertThat(cb.evenness().coefficientOfVariation()).isZero();
  }

  @Test
  void aLeaseOnAnEndpointThePolicyChoseCountsLikeAPlacedOne() {
    discovery.set(List.of(instance(0, 100), instance(1, 100)));
    Balancer balancer = Fixtures.balancer(discovery, clock, BalancerConfig.defaults()).build();
    ConnectionBalancer cb = ConnectionBalancer.create(balancer);
    Endpoint chosen = balancer.pick(PickArgs.builder().pinned("e01").strict(true).build());
    assertThat(chosen).isNotNull();
    chosen.release();
    for (int i = 0; i < 3; i++) {
      open.add(cb.openOn(chosen));
    }

    assertThat(chosen.activeConnections()).isEqualTo(3);
    assertThat(cb.connections()).isEqualTo(3);
    ConnectionLease next = cb.open();
    assertThat(next).isNotNull();
    assertThat(next.endpoint().id()).as("placed where the chosen leases left room").isEqualTo("e00");
    open.get(0).close();
    assertThat(chosen.activeConnections()).isEqualTo(2);
  }

  @Test
  void rollingRestartOfTenEndpointsEndsEvenWithNearMinimalShedding() {
    List<ServiceInstance> all = SettableDiscovery.instances(10);
    ConnectionBalancer cb = connections(all, BalancerConfig.defaults());
    openMany(cb, 2_000);
    for (int i = 0; i < 10; i++) {
      // Restart e_i: it leaves discovery, its connections drop and reconnect elsewhere; 2 s later it is back.
      List<ServiceInstance> without = new ArrayList<>(all);
      String restarting = without.remove(i).id();
      discovery.set(without);
      for (ConnectionLease lease : new ArrayList<>(open)) {
        if (lease.endpoint().id().equals(restarting)) {
          lease.close();
          open.remove(lease);
          open.add(cb.open());
        }
      }
      run(cb, Duration.ofSeconds(2));
      discovery.set(all);
      run(cb, Duration.ofSeconds(1));
    }
    // Minimum moves from here: Σ max(0, c_i − share_i), share = 200.
    int minimumMoves = 0;
    for (int c : perEndpoint(open).values()) {
      minimumMoves += Math.max(0, c - 200);
    }
    assertThat(minimumMoves).isGreaterThan(0);
    assertThat(perEndpoint(open).getOrDefault("e09", 0)).isLessThan(100); // skewed before shedding
    int shedDuringRoll = shed;
    run(cb, Duration.ofSeconds(60));

    assertThat(shedDuringRoll).isZero(); // membership never settled during the roll
    assertThat(cb.connections()).isEqualTo(2_000);
    assertThat(cb.evenness().maxOverShare()).isLessThanOrEqualTo(1.10);
    assertThat(shed).isLessThanOrEqualTo((int) (1.25 * minimumMoves));
    assertThat(perEndpoint(open).values()).allSatisfy(c -> assertThat(c).isBetween(180, 220));
  }

  @Test
  void scaleOutFromThreeToSixEndsWithEveryEndpointAt33Or34WithMinimalShedding() {
    List<ServiceInstance> six = SettableDiscovery.instances(6);
    ConnectionBalancer cb = connections(six.subList(0, 3), BalancerConfig.defaults());
    openMany(cb, 200);
    discovery.set(six);
    run(cb, Duration.ofSeconds(30));

    assertThat(perEndpoint(open)).hasSize(6).allSatisfy((id, n) -> assertThat(n).as(id).isIn(33, 34));
    assertThat(shed).isEqualTo(99); // 67,67,66 → 34,34,33: the minimum number of moves
  }

  @Test
  void shedsNothingDuringTheSettleWindowThenAtTheBoundedRate() {
    List<ServiceInstance> two = SettableDiscovery.instances(2);
    ConnectionBalancer cb = connections(two.subList(0, 1), BalancerConfig.defaults());
    openMany(cb, 400); // all on e00
    discovery.set(two); // e01 joins with nothing
    clock.advance(Duration.ofSeconds(4));
    assertThat(cb.shedCandidates()).isEmpty(); // settling: 5 s
    clock.advance(Duration.ofSeconds(2));
    List<ConnectionLease> first = cb.shedCandidates();
    assertThat(first).hasSizeLessThanOrEqualTo(50); // at most 50/s, burst capped at one second's worth
    assertThat(first).isNotEmpty();
    clock.advanceMillis(100);
    assertThat(cb.shedCandidates()).hasSizeLessThanOrEqualTo(5);
  }

  @Test
  void idleConnectionsAreShedFirst() {
    List<ServiceInstance> two = SettableDiscovery.instances(2);
    ConnectionBalancer cb = connections(two.subList(0, 1), BalancerConfig.defaults());
    openMany(cb, 100);
    for (int i = 0; i < 30; i++) {
      open.get(i).markIdle();
    }
    discovery.set(two);
    clock.advance(Duration.ofSeconds(6));
    List<ConnectionLease> shedNow = cb.shedCandidates();
    assertThat(shedNow).hasSize(50); // e00 has 100, share 50: all 50 of its surplus, budget 50
    assertThat(shedNow.stream().filter(ConnectionLease::idle).count()).isEqualTo(30);
    assertThat(shedNow.subList(0, 30)).allMatch(ConnectionLease::idle);
  }

  @Test
  void unhealthyEndpointsConnectionsAreNotCountedSoSheddingStops() {
    ConnectionBalancer cb;
    discovery.set(SettableDiscovery.instances(3));
    HealthCheckTest.FakeChecker checker = new HealthCheckTest.FakeChecker();
    Balancer b = Fixtures.balancer(discovery, clock, BalancerConfig.defaults()).healthChecker(checker).build();
    cb = ConnectionBalancer.create(b);
    openMany(cb, 300);
    checker.up.put("e02", false); // goes down but its 100 connections linger (piko#322)
    clock.advance(Duration.ofSeconds(20));
    assertThat(b.state().available()).hasSize(2);
    run(cb, Duration.ofSeconds(30));
    assertThat(shed).isZero();
    assertThat(cb.evenness().connections()).isEqualTo(200);
    assertThat(cb.evenness().maxOverShare()).isEqualTo(1.0);
  }

  @Test
  void connectionCountsSurviveTheEndpointLeavingAndReturning() {
    List<ServiceInstance> two = SettableDiscovery.instances(2);
    discovery.set(two);
    Balancer b = Fixtures.balancer(discovery, clock, BalancerConfig.defaults()).build();
    ConnectionBalancer cb = ConnectionBalancer.create(b);
    openMany(cb, 10);
    Endpoint e0 = Fixtures.member(b, "e00");
    assertThat(e0.activeConnections()).isEqualTo(5);

    discovery.set(two.subList(1, 2)); // a registry flap: e00 gone for a moment, its connections live on
    discovery.set(two);

    assertThat(b.state().member("e00")).isSameAs(e0);
    assertThat(e0.activeConnections()).isEqualTo(5);
    assertThat(cb.evenness().connections()).isEqualTo(10);
    open.add(cb.open());
    open.add(cb.open());
    assertThat(perEndpoint(open)).containsEntry("e00", 6).containsEntry("e01", 6);
  }

  @Test
  void shedEveryHandsSurplusConnectionsToTheTransportsCloserOnTheClock() {
    List<ServiceInstance> two = SettableDiscovery.instances(2);
    ConnectionBalancer cb = connections(two.subList(0, 1), BalancerConfig.defaults());
    openMany(cb, 40);
    discovery.set(two);
    List<ConnectionLease> closed = new ArrayList<>();
    Subscription s = cb.shedEvery(Duration.ofMillis(500), lease -> {
      closed.add(lease);
      lease.close();
      open.remove(lease);
      open.add(cb.open());
    });
    clock.advance(Duration.ofSeconds(10));
    assertThat(closed).hasSize(20);
    assertThat(perEndpoint(open)).containsEntry("e00", 20).containsEntry("e01", 20);
    s.close();
    discovery.set(two.subList(0, 1));
    openMany(cb, 10);
    discovery.set(two);
    clock.advance(Duration.ofSeconds(10));
    assertThat(closed).hasSize(20); // closed: no more runs
  }

  @Test
  void closingALeaseTwiceCountsOnce() {
    ConnectionBalancer cb = connections(SettableDiscovery.instances(1), BalancerConfig.defaults());
    ConnectionLease a = Fixtures.present(cb.open());
    ConnectionLease c = Fixtures.present(cb.open());
    a.close();
    a.close();
    assertThat(c.endpoint().activeConnections()).isEqualTo(1);
    assertThat(cb.connections()).isEqualTo(1);
  }

  @Test
  void openReturnsNullWhenNothingIsAvailable() {
    ConnectionBalancer cb = connections(List.of(), BalancerConfig.defaults());
    assertThat(cb.open()).isNull();
    assertThat(cb.evenness().endpoints()).isZero();
  }
}
