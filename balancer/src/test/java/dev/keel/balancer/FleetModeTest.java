package dev.keel.balancer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.registry.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Fleet mode on a fake clock: independent clients that see nothing of each other but the counts the
 * instances publish (see {@link FleetSimulation}), and the rule's guards against bad counts.
 */
class FleetModeTest {
  private static final Duration PUBLISH = Duration.ofSeconds(2);
  private static final Duration PROPAGATION = Duration.ofMillis(100);
  private static final Duration GRPC_CLOSE = Duration.ofSeconds(5);

  private final FakeClock clock = new FakeClock();
  private final SettableDiscovery discovery = new SettableDiscovery();

  private static FleetSimulation fleet(int seed) {
    return new FleetSimulation(BalancerConfig.defaults(), PUBLISH, PROPAGATION, GRPC_CLOSE, seed);
  }

  /** Σ max(0, c_i − ⌈share⌉): the fewest moves that bring every endpoint down to its share rounded up. */
  private static int minimumMoves(Map<String, Integer> counts, double share) {
    int min = 0;
    for (int c : counts.values()) {
      min += (int) Math.max(0, c - Math.ceil(share));
    }
    return min;
  }

  @Test
  void aScaleOutFromThreeToSixEndsWithinTenPercentWithTheMinimumMovesAndNoStorm() {
    for (int seed = 1; seed <= 2; seed++) {
      FleetSimulation sim = fleet(seed);
      for (int i = 0; i < 3; i++) {
        sim.startServer(i, 100);
      }
      sim.addClients(200);
      sim.run(Duration.ofSeconds(30));
      int min = minimumMoves(sim.placed(), 200 / 6.0);
      int before = sim.moves();
      long scaledAt = sim.clock.nanoTime();

      for (int i = 3; i < 6; i++) {
        sim.startServer(i, 100);
      }
      sim.run(Duration.ofSeconds(60));

      assertThat(sim.placed().values()).as("seed %d", seed).allSatisfy(n -> assertThat(n).isBetween(30, 36));
      assertThat(sim.counts()).isEqualTo(sim.placed()); // every move closed
      assertThat(sim.moves() - before).as("moves, minimum %d", min).isLessThanOrEqualTo((int) (min * 1.15));
      // Decisions spread over rounds: no round moves more than the whole excess at once.
      assertThat(sim.movesPerWindow(scaledAt, Duration.ofSeconds(5))).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(min));
    }
  }

  @Test
  void aRollingRestartOfFourEndsWithinTenPercentOfFifty() {
    FleetSimulation sim = fleet(7);
    for (int i = 0; i < 4; i++) {
      sim.startServer(i, 100);
    }
    sim.addClients(200);
    sim.run(Duration.ofSeconds(30));

    for (int i = 0; i < 4; i++) {
      sim.stopServer(i);
      sim.run(Duration.ofSeconds(3));
      sim.startServer(i, 100);
      sim.run(Duration.ofSeconds(5));
    }
    sim.run(Duration.ofSeconds(60));

    assertThat(sim.placed().values()).allSatisfy(n -> assertThat(n).isBetween(45, 55));
  }

  @Test
  void onceEvenNothingMoves() {
    FleetSimulation sim = fleet(3);
    for (int i = 0; i < 4; i++) {
      sim.startServer(i, 100);
    }
    sim.addClients(200);
    sim.run(Duration.ofSeconds(60));
    int settled = sim.moves();

    sim.run(Duration.ofMinutes(5));

    assertThat(sim.moves()).isEqualTo(settled);
  }

  @Test
  void weightsSetTheShares() {
    FleetSimulation sim = fleet(5);
    sim.startServer(0, 100);
    sim.startServer(1, 200);
    sim.startServer(2, 100);
    sim.addClients(400);
    sim.run(Duration.ofSeconds(90));

    Map<String, Integer> placed = sim.placed();
    assertThat(placed.get("e00")).isBetween(90, 110);
    assertThat(placed.get("e01")).isBetween(180, 220);
    assertThat(placed.get("e02")).isBetween(90, 110);
  }

  @Test
  void aCountThatStopsMovingIsNotShedOnEndlessly() {
    FleetSimulation sim = fleet(11);
    for (int i = 0; i < 3; i++) {
      sim.startServer(i, 100);
    }
    sim.addClients(300);
    sim.run(Duration.ofSeconds(60));
    sim.freeze(0); // its publisher stops: e00 keeps saying ~100 whatever happens

    sim.startServer(3, 100); // share 75: e00's clients move about 25 off it, once
    sim.run(Duration.ofMinutes(3));

    // Deciding again and again on the frozen 100 would drain it, a quarter a round, towards 0.
    assertThat(sim.placed().get("e00")).isGreaterThanOrEqualTo(60);
    assertThat(sim.placed().get("e03")).isGreaterThanOrEqualTo(60);
  }

  // ---- placement, and the guards, on one process's connection balancer ----

  private static ServiceInstance publishing(int i, String count) {
    return SettableDiscovery.instance(i).toBuilder().putMetadata(ServiceInstance.CONNECTIONS, count).build();
  }

  private ConnectionBalancer client(BalancerConfig config, int seed) {
    Balancer b = Balancer.builder(discovery, SettableDiscovery.SERVICE).config(config).clock(clock)
        .random(new SplittableRandom(seed)).executor(Runnable::run).build();
    return ConnectionBalancer.create(b);
  }

  private static Map<String, Integer> perEndpoint(List<ConnectionLease> leases) {
    Map<String, Integer> m = new TreeMap<>();
    leases.forEach(l -> m.merge(l.endpoint().id(), 1, Integer::sum));
    return m;
  }

  @Test
  void clientsArrivingTogetherSpreadOverTheDeficitsInsteadOfHerdingOntoTheEmptiest() {
    discovery.set(publishing(0, "20"), publishing(1, "25"), publishing(2, "90")); // share 45: deficits 25, 20, 0
    List<ConnectionLease> placed = new ArrayList<>();
    for (int c = 0; c < 100; c++) {
      placed.add(client(BalancerConfig.defaults(), c).open()); // 100 processes, none sees another's choice
    }
    Map<String, Integer> spread = perEndpoint(placed);
    assertThat(spread.get("e00")).isBetween(40, 70); // 25/45 of them expected
    assertThat(spread.get("e01")).isBetween(30, 60); // 20/45: the furthest-below rule would send all 100 to e00
    assertThat(spread).doesNotContainKey("e02");
  }

  @Test
  void oneProcessPlacingManyCountsItsOwnConnectionsUntilTheyArePublished() {
    discovery.set(publishing(0, "0"), publishing(1, "30"), publishing(2, "30"));
    ConnectionBalancer cb = client(BalancerConfig.defaults(), 1);
    List<ConnectionLease> placed = new ArrayList<>();
    for (int k = 0; k < 60; k++) {
      placed.add(cb.open()); // share (60 + 60) / 3 = 40 each: e00 takes most, the others some
    }
    Map<String, Integer> spread = perEndpoint(placed);
    assertThat(spread.get("e00")).isBetween(34, 46);
    assertThat(spread.getOrDefault("e01", 0) + spread.getOrDefault("e02", 0)).isBetween(14, 26);
  }

  /** 30 connections of this process on e00, which then says it holds 200 of 300 (share 100). */
  private List<ConnectionLease> thirtyOnAnOverloadedEndpoint(ConnectionBalancer cb, boolean stale) {
    discovery.set(publishing(0, "0"), publishing(1, "100"), publishing(2, "100"));
    List<ConnectionLease> mine = new ArrayList<>();
    for (int k = 0; k < 30; k++) {
      mine.add(cb.open());
    }
    assertThat(perEndpoint(mine)).containsOnlyKeys("e00");
    List<ServiceInstance> overloaded = List.of(publishing(0, "200"), publishing(1, "50"), publishing(2, "50"));
    if (stale) {
      discovery.setStale(overloaded);
    } else {
      discovery.set(overloaded);
    }
    return mine;
  }

  private int shedOver(ConnectionBalancer cb, Duration d) {
    int shed = 0;
    for (long t = 0; t < d.toMillis(); t += 250) {
      clock.advanceMillis(250);
      for (ConnectionLease l : cb.shedCandidates()) {
        l.close();
        shed++;
      }
    }
    return shed;
  }

  @Test
  void eachConnectionOnAnOverloadedEndpointMovesWithProbabilityExcessOverCount() {
    ConnectionBalancer cb = client(BalancerConfig.defaults(), 3);
    thirtyOnAnOverloadedEndpoint(cb, false);
    // (200 − 100) / 200: half of them, decided once each on the count they saw (it never changes here).
    assertThat(shedOver(cb, Duration.ofSeconds(20))).isBetween(8, 22);
  }

  @Test
  void countsFromAStaleViewMoveNothing() {
    ConnectionBalancer cb = client(BalancerConfig.defaults(), 3);
    thirtyOnAnOverloadedEndpoint(cb, true);
    assertThat(shedOver(cb, Duration.ofMinutes(2))).isZero();
  }

  @Test
  void theCountOfAMemberDownByHealthChecksIsLeftOut() {
    HealthCheckTest.FakeChecker checker = new HealthCheckTest.FakeChecker();
    checker.up.put("e03", false);
    discovery.set(publishing(0, "50"), publishing(1, "50"), publishing(2, "50"), publishing(3, "0"));
    Balancer b = Balancer.builder(discovery, SettableDiscovery.SERVICE).config(BalancerConfig.defaults()).clock(clock)
        .random(new SplittableRandom(9)).executor(Runnable::run).healthChecker(checker).build();
    clock.advance(Duration.ofSeconds(20)); // e03 fails its checks and goes down
    assertThat(b.state().available()).extracting(Endpoint::id).containsExactly("e00", "e01", "e02");
    ConnectionBalancer cb = ConnectionBalancer.create(b);
    List<ConnectionLease> mine = new ArrayList<>();
    for (int k = 0; k < 30; k++) {
      mine.add(cb.open());
    }

    // Counted, the dead e03 would put the share at 37.5 and everyone above it, shedding for ever
    // onto instances that are as full (andydunstall/piko#322).
    assertThat(shedOver(cb, Duration.ofMinutes(2))).isZero();
    assertThat(perEndpoint(mine)).doesNotContainKey("e03");
  }

  @Test
  void anInstanceThatPublishesNoCountTurnsFleetModeOff() {
    discovery.set(publishing(0, "0"), publishing(1, "100"), SettableDiscovery.instance(2));
    ConnectionBalancer cb = client(BalancerConfig.defaults(), 1);
    List<ConnectionLease> mine = new ArrayList<>();
    for (int k = 0; k < 30; k++) {
      mine.add(cb.open());
    }
    // This process's own counts: 10 each (fleet mode would have put them all on e00).
    assertThat(perEndpoint(mine)).containsEntry("e00", 10).containsEntry("e01", 10).containsEntry("e02", 10);
    assertThat(mine.get(0).endpoint().publishedConnections()).isIn(0, 100, -1);
  }

  @Test
  void aMalformedCountCountsAsNone() {
    discovery.set(publishing(0, "0"), publishing(1, "100"), publishing(2, "lots"));
    ConnectionBalancer cb = client(BalancerConfig.defaults(), 1);
    List<ConnectionLease> mine = new ArrayList<>();
    for (int k = 0; k < 30; k++) {
      mine.add(cb.open());
    }
    assertThat(perEndpoint(mine)).containsEntry("e00", 10).containsEntry("e01", 10).containsEntry("e02", 10);
    assertThat(mine.stream().filter(l -> l.endpoint().id().equals("e02")).findFirst().orElseThrow()
        .endpoint().publishedConnections()).isEqualTo(-1);
  }

  @Test
  void localCountsWhenConfiguredSoWhateverTheInstancesPublish() {
    discovery.set(publishing(0, "0"), publishing(1, "100"), publishing(2, "100"));
    ConnectionBalancer cb = client(BalancerConfig.builder().rebalanceCounts(BalancerConfig.ConnectionCounts.LOCAL).build(), 1);
    List<ConnectionLease> mine = new ArrayList<>();
    for (int k = 0; k < 30; k++) {
      mine.add(cb.open());
    }
    assertThat(perEndpoint(mine)).containsEntry("e00", 10).containsEntry("e01", 10).containsEntry("e02", 10);
  }
}
