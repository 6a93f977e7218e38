package dev.keel.balancer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.registry.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Eight threads pick and report while membership and health change underneath. */
class ConcurrencyTest {
  @ParameterizedTest
  @ValueSource(strings = {"round-robin", "random", "least-request", "least-response-time", "ring-hash"})
  void picksNeverFailNorReturnNullWhileEndpointsExistAndInFlightReturnsToZero(String policy) throws Exception {
    SettableDiscovery discovery = new SettableDiscovery();
    List<ServiceInstance> all = SettableDiscovery.instances(8);
    discovery.set(all);
    HealthCheckTest.FakeChecker checker = new HealthCheckTest.FakeChecker();
    FakeClock clock = new FakeClock();
    // Real executor (the shared pool) so changes race with picks. Ejections and failed checks can
    // leave nothing available; panic mode (default 50%) then balances over the ejected members, and
    // e00 never fails a check, so a null pick could only come from an empty set, which this test
    // never publishes.
    Balancer b = Balancer.builder(discovery, SettableDiscovery.SERVICE)
        .config(BalancerConfig.builder().policy(policy).healthFall(1).healthRise(1)
            .outlierConsecutiveFailures(3).build())
        .clock(clock).healthChecker(checker).build();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong nulls = new AtomicLong();
    AtomicLong picks = new AtomicLong();
    CountDownLatch started = new CountDownLatch(8);
    List<Future<?>> workers = new ArrayList<>();
    List<Endpoint> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
    for (int t = 0; t < 8; t++) {
      workers.add(pool.submit(() -> {
        started.countDown();
        ThreadLocalRandom r = ThreadLocalRandom.current();
        while (!stop.get()) {
          Endpoint e = b.pick("user-" + r.nextInt(1000));
          if (e == null) {
            nulls.incrementAndGet();
            continue;
          }
          picks.incrementAndGet();
          if (r.nextInt(1000) == 0) {
            seen.add(e);
          }
          switch (r.nextInt(4)) {
            case 0 -> e.onFailure(FailureKind.RESET);
            case 1 -> e.release();
            default -> e.onSuccess(r.nextInt(1_000_000));
          }
        }
      }));
    }
    started.await();
    // The main thread churns membership (always at least 2 members, 1 always healthy) and health.
    for (int round = 0; round < 300; round++) {
      List<ServiceInstance> some = new ArrayList<>(all.subList(0, 2 + round % 7));
      discovery.set(some);
      checker.up.put("e01", round % 3 != 0);
      clock.advance(Duration.ofSeconds(1));
      Thread.sleep(0, 200_000); // pacing the churn so that the workers interleave with it
    }
    stop.set(true);
    for (Future<?> f : workers) {
      f.get(); // rethrows any exception from a worker
    }
    pool.shutdown();
    assertThat(picks.get()).isPositive();
    assertThat(nulls.get()).isZero();
    assertThat(((DefaultBalancer) b).inFlight()).isZero();
    for (Endpoint e : seen) {
      assertThat(e.inFlight()).isZero();
    }
    b.close();
  }

  /** Retries race with membership churn: never an excluded endpoint, never a leaked in-flight count. */
  @ParameterizedTest
  @ValueSource(strings = {"round-robin", "random", "least-request", "least-response-time", "ring-hash"})
  void picksWithExclusionNeverReturnAnExcludedEndpointWhileMembershipChanges(String policy) throws Exception {
    SettableDiscovery discovery = new SettableDiscovery();
    List<ServiceInstance> all = SettableDiscovery.instances(8);
    discovery.set(all);
    Balancer b = Balancer.builder(discovery, SettableDiscovery.SERVICE)
        .config(BalancerConfig.builder().policy(policy).build()).clock(new FakeClock()).build();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong picks = new AtomicLong();
    CountDownLatch started = new CountDownLatch(8);
    List<Future<?>> workers = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      workers.add(pool.submit(() -> {
        started.countDown();
        ThreadLocalRandom r = ThreadLocalRandom.current();
        while (!stop.get()) {
          // Exclude what this thread saw as the first choice, and sometimes a second one.
          Endpoint first = b.pick("user-" + r.nextInt(1000));
          if (first == null) {
            continue;
          }
          List<Endpoint> tried = List.of(first);
          Endpoint second = b.pick(PickArgs.builder().exclude(tried).build());
          if (second != null) {
            if (second == first) {
              throw new AssertionError("excluded endpoint returned: " + second);
            }
            Endpoint third = b.pick(PickArgs.builder().key("user-" + r.nextInt(1000))
                .exclude(List.of(first, second)).build());
            if (third == first || third == second) {
              throw new AssertionError("excluded endpoint returned: " + third);
            }
            if (third != null) {
              third.onSuccess(r.nextInt(1_000_000));
            }
            second.onFailure(FailureKind.RESET);
            picks.incrementAndGet();
          }
          first.release();
        }
      }));
    }
    started.await();
    for (int round = 0; round < 300; round++) {
      discovery.set(new ArrayList<>(all.subList(0, 1 + round % 8))); // down to one: "all excluded" races too
      Thread.sleep(0, 200_000); // pacing the churn so that the workers interleave with it
    }
    stop.set(true);
    for (Future<?> f : workers) {
      f.get(); // rethrows any assertion from a worker
    }
    pool.shutdown();
    assertThat(picks.get()).isPositive();
    assertThat(((DefaultBalancer) b).inFlight()).isZero();
    b.close();
  }
}
