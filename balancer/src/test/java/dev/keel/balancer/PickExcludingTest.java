package dev.keel.balancer;

import static dev.keel.balancer.SettableDiscovery.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.registry.ServiceInstance;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link Balancer#pick(PickArgs)} with {@link PickArgs#exclude()}: retries on another endpoint. */
class PickExcludingTest {
  /** A custom policy (listed in META-INF/services) whose override breaks the contract: always the first. */
  public static final class IgnoresExclusionPolicy implements BalancingPolicy {
    @Override
    public String name() {
      return "ignores-exclusion";
    }

    @Override
    public Picker newPicker(Candidates candidates) {
      Endpoint first = candidates.endpoint(0);
      return new Picker() {
        @Override
        public Endpoint pick(@Nullable CharSequence key) {
          return first;
        }

        @Override
        public Endpoint pick(@Nullable CharSequence key, java.util.Collection<? extends Endpoint> exclude) {
          return first;
        }
      };
    }
  }

  private final FakeClock clock = new FakeClock();
  private final SettableDiscovery discovery = new SettableDiscovery();

  private Balancer balancer(String policy, int... weights) {
    List<ServiceInstance> instances = new ArrayList<>();
    for (int i = 0; i < weights.length; i++) {
      instances.add(instance(i, weights[i]));
    }
    discovery.set(instances);
    return Fixtures.balancer(discovery, clock, Fixtures.config(policy).build()).build();
  }

  private static List<Endpoint> members(Balancer b, String... ids) {
    List<Endpoint> out = new ArrayList<>();
    for (String id : ids) {
      out.add(b.state().member(id));
    }
    return out;
  }

  /** A pick with exclusion, as a retry does it. */
  static @Nullable Endpoint pick(Balancer b, @Nullable CharSequence key, Collection<? extends Endpoint> exclude) {
    return b.pick(PickArgs.builder().key(key).exclude(exclude).build());
  }

  /** Picks {@code n} times excluding {@code exclude} (key "user-i" when keyed), ending each at once. */
  private static Map<String, Integer> histogram(Balancer b, int n, List<Endpoint> exclude, boolean keyed) {
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < n; i++) {
      Endpoint e = pick(b, keyed ? "user-" + i : null, exclude);
      assertThat(e).isNotNull();
      counts.merge(e.id(), 1, Integer::sum);
      e.onSuccess(1_000_000);
    }
    return counts;
  }

  @ParameterizedTest
  @ValueSource(strings = {"round-robin", "random", "least-request", "least-response-time", "ring-hash"})
  void neverReturnsAnExcludedEndpointWhileOthersAreAvailable(String policy) {
    Balancer b = balancer(policy, 100, 300, 50, 1000, 200, 700);
    List<Endpoint> all = b.state().available();
    SplittableRandom r = new SplittableRandom(3);
    for (int i = 0; i < 3_000; i++) {
      // A random strict subset, often the heaviest endpoints, as retries of a failing request see.
      List<Endpoint> exclude = new ArrayList<>();
      for (Endpoint e : all) {
        if (r.nextInt(3) != 0) {
          exclude.add(e);
        }
      }
      if (exclude.size() == all.size()) {
        exclude.remove(r.nextInt(all.size()));
      }
      Endpoint e = pick(b, i % 2 == 0 ? "user-" + i : null, exclude);
      assertThat(e).isNotNull();
      assertThat(exclude).doesNotContain(e);
      e.onSuccess(1_000);
    }
    assertThat(((DefaultBalancer) b).inFlight()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"round-robin", "random", "least-request", "least-response-time", "ring-hash"})
  void returnsNullWhenEveryAvailableEndpointIsExcludedAndTheLastOneOtherwise(String policy) {
    Balancer b = balancer(policy, 100, 200, 300, 400);
    List<Endpoint> all = b.state().available();
    assertThat(pick(b, "user-1", all)).isNull();
    assertThat(pick(b, null, Set.copyOf(all))).isNull();
    assertThat(((DefaultBalancer) b).inFlight()).isZero(); // nothing held on the way to null

    List<Endpoint> allButE02 = members(b, "e00", "e01", "e03");
    for (int i = 0; i < 200; i++) {
      Endpoint e = pick(b, i % 2 == 0 ? "user-" + i : null, allButE02);
      assertThat(e).isNotNull().extracting(Endpoint::id).isEqualTo("e02");
      e.release();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"round-robin", "random", "least-request", "least-response-time", "ring-hash"})
  void anEmptyExclusionIsAPlainPick(String policy) {
    Balancer a = balancer(policy, 100, 200, 300);
    Balancer b = Fixtures.balancer(discovery, clock, Fixtures.config(policy).build()).build(); // same seed
    for (int i = 0; i < 100; i++) {
      Endpoint x = Fixtures.present(a.pick("user-" + i));
      Endpoint y = Fixtures.present(pick(b, "user-" + i, List.of()));
      assertThat(y.id()).isEqualTo(x.id());
      x.release();
      y.release();
    }
  }

  @Test
  @SuppressWarnings("NullAway") // passes null on purpose: the builder must reject it
  void aNullExclusionIsRejected() {
    assertThatThrownBy(() -> PickArgs.builder().exclude(null))
        .isInstanceOf(NullPointerException.class).hasMessage("exclude");
  }

  @Test
  void weightedRandomExcludingStaysWeightedOverTheRestWithinChiSquareBound() {
    for (String policy : new String[] {"random", "least-request", "least-response-time"}) {
      // Idle endpoints: P2C ties go to the first draw, so its picks follow the weights too.
      Balancer b = balancer(policy, 100, 200, 300, 400, 1000);
      int n = 40_000;
      Map<String, Integer> counts = histogram(b, n, members(b, "e04", "e01"), false);
      assertThat(counts).containsOnlyKeys("e00", "e02", "e03");
      double chi2 = 0;
      for (String[] idWeight : new String[][] {{"e00", "100"}, {"e02", "300"}, {"e03", "400"}}) {
        double expected = n * Integer.parseInt(idWeight[1]) / 800.0;
        double observed = counts.getOrDefault(idWeight[0], 0);
        chi2 += (observed - expected) * (observed - expected) / expected;
      }
      // 2 degrees of freedom: P(chi2 > 13.82) = 0.001 for a correct sampler.
      assertThat(chi2).as(policy).isLessThan(13.82);
    }
  }

  @Test
  void roundRobinExcludingSkipsTheExcludedTurnsAndKeepsExactProportions() {
    Balancer b = balancer("round-robin", 300, 200, 500);
    // Without e02, the schedule C A C B C A C A B C leaves A A B A B: 3 to 2 in every 5 picks.
    Map<String, Integer> counts = histogram(b, 500, members(b, "e02"), false);
    assertThat(counts).containsOnly(Map.entry("e00", 300), Map.entry("e01", 200));
  }

  @Test
  void ringHashRetriesOfOneKeyLandOnTheSameSecondChoiceAndSpreadByWeight() {
    Balancer b = balancer("ring-hash", 100, 200, 300, 400);
    for (int i = 0; i < 4_000; i++) {
      String key = "user-" + i;
      Endpoint first = Fixtures.present(b.pick(key));
      first.release();
      Endpoint second = Fixtures.present(pick(b, key, List.of(first)));
      assertThat(second).isNotSameAs(first);
      second.release();
      for (int again = 0; again < 2; again++) {
        Endpoint e = Fixtures.present(pick(b, key, List.of(first)));
        assertThat(e).isSameAs(second);
        e.release();
      }
    }
    // Excluding the heaviest, the rest share its keys roughly by weight (1 : 2 : 3 of 6).
    Map<String, Integer> counts = histogram(b, 6_000, members(b, "e03"), true);
    assertThat(counts.get("e00")).isBetween(800, 1_200);
    assertThat(counts.get("e01")).isBetween(1_600, 2_400);
    assertThat(counts.get("e02")).isBetween(2_400, 3_600);
  }

  @Test
  void aCustomPolicyWithoutAnOverrideIsCompletedByTheWeightedFallback() {
    Balancer b = balancer("last", 100, 300, 50); // ConfigAndPoliciesTest.LastPolicy: always e02
    int n = 8_000;
    Map<String, Integer> counts = histogram(b, n, members(b, "e02"), false);
    // Its picker can only name e02; the balancer chooses among the rest by weight (1 : 3).
    assertThat(counts.get("e00")).isBetween(1_800, 2_200);
    assertThat(counts.get("e01")).isBetween(5_800, 6_200);
    assertThat(pick(b, null, b.state().available())).isNull();
  }

  @Test
  void anExcludedEndpointFromAPolicyThatIgnoresExclusionIsReplaced() {
    Balancer b = balancer("ignores-exclusion", 100, 100);
    for (int i = 0; i < 20; i++) {
      Endpoint e = Fixtures.present(pick(b, null, members(b, "e00")));
      assertThat(e.id()).isEqualTo("e01");
      e.release();
    }
    assertThat(pick(b, null, b.state().available())).isNull();
    assertThat(((DefaultBalancer) b).inFlight()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"round-robin", "random", "least-request", "least-response-time", "ring-hash"})
  void inPanicModeEjectedMembersNotExcludedMayBeReturned(String policy) {
    discovery.set(SettableDiscovery.instances(4));
    Balancer b = Fixtures.balancer(discovery, clock, Fixtures.config(policy).outlierMaxEjectionShare(1.0).build()).build();
    for (String id : new String[] {"e00", "e01", "e02"}) {
      PinTest.failUntilEjected(b, id);
    }
    assertThat(b.state().panic()).isTrue();
    Map<String, Integer> counts = histogram(b, 400, members(b, "e03"), true);
    assertThat(counts).containsOnlyKeys("e00", "e01", "e02"); // ejected, but panic balances over them
  }

  @ParameterizedTest
  @ValueSource(strings = {"round-robin", "random", "least-request", "least-response-time", "ring-hash"})
  void inPanicModeMembersDownByHealthChecksAreNeverReturned(String policy) {
    discovery.set(SettableDiscovery.instances(4));
    HealthCheckTest.FakeChecker checker = new HealthCheckTest.FakeChecker();
    Balancer b = Fixtures.balancer(discovery, clock, Fixtures.config(policy).build()).healthChecker(checker).build();
    for (String id : new String[] {"e00", "e01", "e02"}) {
      checker.up.put(id, false);
    }
    clock.advance(Duration.ofSeconds(16));
    assertThat(b.state().panic()).isTrue();
    assertThat(pick(b, "user-1", members(b, "e03"))).isNull(); // the only one up is excluded: none left
    assertThat(((DefaultBalancer) b).inFlight()).isZero();
  }

  @ParameterizedTest
  @ValueSource(strings = {"round-robin", "random", "least-request", "least-response-time", "ring-hash"})
  void pickingWithExclusionAllocatesNothing(String policy) {
    Balancer b = balancer(policy, 100, 200, 300, 400, 500);
    List<Endpoint> exclude = members(b, "e04", "e02");
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    assertThat(threads.isThreadAllocatedMemorySupported()).isTrue();
    long thread = Thread.currentThread().getId();
    // A retry's arguments and a pinned pick's, each built once: the picks themselves allocate nothing.
    PickArgs retry = PickArgs.builder().exclude(exclude).build();
    PickArgs pinned = PickArgs.builder().pinned("e01").exclude(exclude).build();
    for (int i = 0; i < 20_000; i++) { // warm up: class loading and the JIT's first compiles
      Fixtures.present(b.pick(retry)).release();
      Fixtures.present(b.pick(pinned)).release();
    }
    long before = threads.getThreadAllocatedBytes(thread);
    for (int i = 0; i < 20_000; i++) {
      Fixtures.present(b.pick(retry)).release();
      Fixtures.present(b.pick(pinned)).release();
    }
    long allocated = threads.getThreadAllocatedBytes(thread) - before;
    // One object per pick would be at least 16 bytes × 40,000; allow a little JVM noise.
    assertThat(allocated).as(policy).isLessThan(20_000);
  }
}
