package dev.keel.reliability;

import static java.util.concurrent.TimeUnit.NANOSECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keel.balancer.BalancerConfig;
import dev.keel.balancer.BalancerState;
import dev.keel.balancer.Endpoint;
import dev.keel.reliability.support.Load;
import dev.keel.reliability.support.SlowBackend;
import dev.keel.reliability.support.StaticCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue #10, scenario 6: a slow backend behind the proxy and the in-app client, both configured
 * alike — per-try timeout, passive outlier ejection, an HTTP health check, slow start, an ejection
 * cap and a panic threshold — on four {@link SlowBackend}s in a {@code static://} registry.
 *
 * <p>The proxy's YAML has no keys for slow start or the ejection cap, so it runs the balancer's
 * defaults there (a 30 s ramp, at most max(1, ⌊0.10 × 4⌋) = 1 of 4 ejected); the client sets both
 * through its {@code BalancerConfig} (a 4 s ramp, at most ⌊0.5 × 4⌋ = 2 ejected). The tests assert
 * what each documents and print the rest as figures.
 */
class SlowBackendIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(SlowBackendIntegrationTest.class);
  /** Per-try timeout of both paths: the proxy's {@code timeouts.request}, the client's read timeout. */
  private static final Duration PER_TRY = Duration.ofMillis(500);
  /** Well over the per-try timeout, so that a slow answer is always too late. */
  private static final Duration SLOW = Duration.ofSeconds(2);
  private static final Duration EJECTION = Duration.ofSeconds(2);
  private static final double EVEN = 0.25;
  private static final String LISTENER = ""
      + "    policy: round-robin\n"
      + "    timeouts: { connect: 1s, request: " + PER_TRY.toMillis() + "ms }\n"
      + "    retries: { attempts: 2 }\n"
      + "    health:\n"
      + "      active: { interval: 300ms, timeout: 1s, path: /health, rise: 2, fall: 2 }\n"
      + "      passive: { consecutive-failures: 3, ejection: " + EJECTION.toSeconds() + "s }\n"
      + "      panic-threshold: 0.5\n";
  private static final Duration CLIENT_SLOW_START = Duration.ofSeconds(4);
  private static final int PROXY_EJECTION_CAP = 1; // max(1, floor(0.10 default share x 4 members))
  private static final int CLIENT_EJECTION_CAP = 2; // floor(0.5 x 4)

  private static BalancerConfig clientConfig() {
    return BalancerConfig.builder()
        .policy("round-robin")
        .outlierConsecutiveFailures(3)
        .outlierBaseEjectionTime(EJECTION)
        .outlierMaxEjectionShare(0.5)
        .healthInterval(Duration.ofMillis(300))
        .healthTimeout(Duration.ofSeconds(1))
        .healthRise(2)
        .healthFall(2)
        .slowStartWindow(CLIENT_SLOW_START)
        .panicThreshold(0.5)
        .build();
  }

  private static StaticCluster cluster() throws Exception {
    return new StaticCluster(4, LISTENER, clientConfig(), PER_TRY);
  }

  /** Both paths route to every backend, and every backend is healthy in both. */
  private static void awaitEveryBackendServes(StaticCluster c) {
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() ->
        c.backends.stream().allMatch(b -> b.arrivals("proxy") > 0 && b.arrivals("client") > 0)
            && c.proxyBackends().values().stream().allMatch(b -> b.path("healthy").asBoolean())
            && c.clientState().available().size() == c.backends.size());
  }

  @Test
  @Timeout(30)
  void slowBackendTimesOutIsEjectedThenProbedBackAndRampedUpBySlowStart() throws Exception {
    try (StaticCluster c = cluster();
        Load viaProxy = new Load("proxy", 4, () -> c.proxyGet("/work"));
        Load viaClient = new Load("client", 4, () -> c.clientGet("/work"))) {
      awaitEveryBackendServes(c);
      SlowBackend slow = c.backends.get(0);

      // 1. Its work turns slower than the per-try timeout, and its health check reports it unwell
      // (failing at once rather than timing out, so that the check's verdict does not race the
      // ejection time).
      long slowAt = System.nanoTime();
      slow.delay(SLOW).healthStatus(503);
      long[] proxyEjectedAt = {0};
      long[] clientEjectedAt = {0};
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
        if (proxyEjectedAt[0] == 0 && !c.proxyHealthy(slow)) {
          proxyEjectedAt[0] = System.nanoTime();
        }
        if (clientEjectedAt[0] == 0 && c.clientEndpoint(slow).ejected()) {
          clientEjectedAt[0] = System.nanoTime();
        }
        return proxyEjectedAt[0] != 0 && clientEjectedAt[0] != 0;
      });
      int proxy504 = c.proxyStatusCount(504);
      long clientTimeouts = c.clientEndpoint(slow).failures();
      // The active check takes it down as well; from then on nothing is in
      // flight on it, and nothing new may be sent to it while it stays slow.
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() ->
          !c.clientEndpoint(slow).healthy() && c.clientEndpoint(slow).inFlight() == 0
              && c.proxyBackends().get(slow.address()).path("inflight").asInt() == 0);
      int proxy504AfterEjection = c.proxyStatusCount(504);
      long clientFailuresAfterEjection = c.clientEndpoint(slow).failures();
      int proxyArrivals = slow.arrivals("proxy");
      int clientArrivals = slow.arrivals("client");
      // Past both ejection times (the proxy's began before it showed in /status; expiry is checked
      // on the balancer's 300 ms tick): only the failing health check keeps it out now.
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
          .until(() -> !c.clientEndpoint(slow).ejected());
      sleepUntil(proxyEjectedAt[0] + EJECTION.plusMillis(600).toNanos());
      assertThat(c.proxyHealthy(slow)).as("proxy: still out while slow").isFalse();
      assertThat(c.proxyStatusCount(504)).as("504s after the ejection").isEqualTo(proxy504AfterEjection);
      assertThat(c.clientEndpoint(slow).failures()).as("client timeouts after the ejection")
          .isEqualTo(clientFailuresAfterEjection);
      assertThat(slow.arrivals("proxy")).as("proxy requests to the slow backend after the ejection")
          .isEqualTo(proxyArrivals);
      assertThat(slow.arrivals("client")).as("client requests to the slow backend after the ejection")
          .isEqualTo(clientArrivals);

      // 2. Fast again: the health check brings it back, then slow start ramps it up.
      long fastAt = System.nanoTime();
      slow.fast();
      await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() ->
          c.proxyHealthy(slow) && c.clientEndpoint(slow).healthy() && !c.clientEndpoint(slow).ejected());
      long backAt = System.nanoTime();
      List<Map<String, Integer>> proxyWindows = new ArrayList<>();
      List<Map<String, Integer>> clientWindows = new ArrayList<>();
      for (int i = 0; i <= 8; i++) { // nine snapshots, eight 1-second windows
        proxyWindows.add(c.arrivals("proxy"));
        clientWindows.add(c.arrivals("client"));
        if (i < 8) {
          Thread.sleep(1000); // a measurement window, not a wait for a condition
        }
      }
      viaProxy.stop();
      viaClient.stop();

      List<Double> proxyRamp = shares(proxyWindows, slow.name());
      List<Double> clientRamp = shares(clientWindows, slow.name());
      log.info("FIGURES slow backend: ejected {} ms (proxy) / {} ms (client) after turning slow; {} proxy 504s and {} "
              + "client timeouts (all retried) until then, {} 504s in all; back {} ms after turning fast",
          ms(proxyEjectedAt[0] - slowAt), ms(clientEjectedAt[0] - slowAt), proxy504, clientTimeouts,
          c.proxyStatusCount(504), ms(backAt - fastAt));
      log.info("FIGURES slow start, share of the recovered backend per 1 s window (even share 25%): proxy {} "
          + "(30 s default ramp), client {} ({} s ramp)", percent(proxyRamp), percent(clientRamp),
          CLIENT_SLOW_START.toSeconds());

      assertThat(proxy504).as("the proxy answers 504 to requests that hit the slow backend").isPositive();
      assertThat(c.proxyStatuses.keySet()).as("statuses through the proxy: 200, and 504 for the slow tries")
          .containsOnly(200, 504);
      assertThat(clientTimeouts).as("the client's balancer saw the timeouts").isPositive();
      assertThat(viaClient.failed.get()).as("client GETs that timed out were retried elsewhere").isZero();

      double proxyFirst = mean(proxyRamp.subList(0, 2));
      double proxyLast = mean(proxyRamp.subList(6, 8));
      assertThat(proxyFirst).as("proxy: first 2 s after recovery, below the even share").isLessThan(EVEN / 2);
      assertThat(proxyLast).as("proxy: the share grows along its 30 s ramp").isGreaterThan(proxyFirst);
      assertThat(clientRamp.get(0)).as("client: first second after recovery, below the even share")
          .isLessThan(EVEN / 2);
      assertThat(mean(clientRamp.subList(5, 8))).as("client: after its 4 s ramp, about the even share")
          .isBetween(EVEN * 0.7, EVEN * 1.3);
    }
  }

  @Test
  @Timeout(30)
  void threeOfFourSlowNeverEjectMoreThanTheConfiguredShare() throws Exception {
    try (StaticCluster c = cluster();
        Load viaProxy = new Load("proxy", 4, () -> c.proxyGet("/work"));
        Load viaClient = new Load("client", 4, () -> c.clientGet("/work"))) {
      awaitEveryBackendServes(c);
      // Slow work, passing health checks: only passive ejection sees it, and the cap bounds it.
      for (SlowBackend b : c.backends.subList(0, 3)) {
        b.delay(SLOW);
      }
      int proxyMax = 0;
      int clientMax = 0;
      Set<String> proxyEverEjected = new HashSet<>();
      Set<String> clientEverEjected = new HashSet<>();
      boolean clientPanic = false;
      long deadline = System.nanoTime() + Duration.ofSeconds(4).toNanos(); // two ejection times
      while (System.nanoTime() - deadline < 0) {
        int proxyOut = 0;
        for (Map.Entry<String, JsonNode> b : c.proxyBackends().entrySet()) {
          if (!b.getValue().path("healthy").asBoolean()) {
            proxyOut++;
            proxyEverEjected.add(b.getKey());
          }
        }
        BalancerState s = c.clientState();
        int clientOut = 0;
        for (Endpoint e : s.members()) {
          if (e.ejected()) {
            clientOut++;
            clientEverEjected.add(e.id());
          }
        }
        clientPanic |= s.panic();
        proxyMax = Math.max(proxyMax, proxyOut);
        clientMax = Math.max(clientMax, clientOut);
        Thread.sleep(25); // sampling period of the ejection watch, not a wait for a condition
      }
      viaProxy.stop();
      viaClient.stop();
      log.info("FIGURES ejection cap, 3 of 4 slow for 4 s: proxy at most {} out at once ({} different), {} 504s; "
              + "client at most {} out at once ({} different), {} of {} GETs failed (timeouts beyond the retries "
              + "or the retry budget)", proxyMax, proxyEverEjected.size(), c.proxyStatusCount(504), clientMax,
          clientEverEjected.size(), viaClient.failed.get(), viaClient.sent.get());

      assertThat(proxyMax).as("proxy: ejected at once, default cap 10% of 4 = 1").isEqualTo(PROXY_EJECTION_CAP);
      assertThat(clientMax).as("client: ejected at once, cap 50% of 4 = 2").isEqualTo(CLIENT_EJECTION_CAP);
      assertThat(clientPanic).as("client: 2 of 4 still available is not below the panic threshold").isFalse();
      assertThat(c.proxyStatusCount(504)).as("the slow backends left in answer 504 through the proxy").isPositive();
      assertThat(c.proxyStatuses.keySet()).containsOnly(200, 504);
    }
  }

  @Test
  @Timeout(30)
  void belowThePanicThresholdBackendsDownByChecksStayOutAndAllDownIs503() throws Exception {
    try (StaticCluster c = cluster();
        Load viaProxy = new Load("proxy", 4, () -> c.proxyGet("/work"));
        Load viaClient = new Load("client", 4, () -> c.clientGet("/work"))) {
      awaitEveryBackendServes(c);
      List<SlowBackend> failing = new ArrayList<>();

      // Half down is not below the threshold (0.5): the two left take everything.
      for (SlowBackend b : c.backends.subList(0, 2)) {
        b.healthStatus(503);
        failing.add(b);
      }
      awaitDown(c, failing);
      Map<String, Integer> proxyBefore = c.arrivals("proxy");
      Map<String, Integer> clientBefore = c.arrivals("client");
      Thread.sleep(1000); // a measurement window, not a wait for a condition
      Map<String, Integer> proxyHalf = delta(proxyBefore, c.arrivals("proxy"));
      Map<String, Integer> clientHalf = delta(clientBefore, c.arrivals("client"));
      assertThat(c.clientState().panic()).as("client: 2 of 4 available, no panic").isFalse();

      // Three down: one of four available is below 0.5, so the balancer is in panic, but panic
      // brings back only ejected members, never ones whose health checks fail: the last takes all.
      SlowBackend third = c.backends.get(2);
      third.healthStatus(503);
      failing.add(third);
      awaitDown(c, failing);
      assertThat(c.clientState().panic()).as("client: 1 of 4 available, panic").isTrue();
      assertThat(c.clientState().available()).as("client: panic never routes to a member down by checks").hasSize(1);
      proxyBefore = c.arrivals("proxy");
      clientBefore = c.arrivals("client");
      Thread.sleep(1500); // a measurement window
      Map<String, Integer> proxyPanic = delta(proxyBefore, c.arrivals("proxy"));
      Map<String, Integer> clientPanic = delta(clientBefore, c.arrivals("client"));
      long proxyUnhealthy = c.proxyBackends().values().stream().filter(b -> !b.path("healthy").asBoolean()).count();
      assertThat(c.proxyStatuses.keySet()).as("one backend up: every request answered").containsOnly(200);
      assertThat(viaClient.failed.get()).isZero();

      // All four down: none available. "503 when no instance is healthy", not 502s from instances
      // known to be down; the client says "no instance available".
      SlowBackend last = c.backends.get(3);
      last.healthStatus(503);
      failing.add(last);
      awaitDown(c, failing);
      await().atMost(Duration.ofSeconds(10)).until(() -> c.proxyStatusCount(503) > 0 && viaClient.failed.get() > 0);
      viaProxy.stop();
      viaClient.stop();
      log.info("FIGURES panic threshold 0.5: 2 of 4 failing health for 1 s: proxy {}, client {}; 3 of 4 failing for "
          + "1.5 s: proxy {}, client {} (requests per backend); all 4 failing: proxy statuses {}, client {} failed, first: {}",
          proxyHalf, clientHalf, proxyPanic, clientPanic, c.proxyStatuses, viaClient.failed.get(),
          viaClient.failures.isEmpty() ? "none" : viaClient.failures.get(0));

      for (SlowBackend b : c.backends.subList(0, 2)) {
        assertThat(proxyHalf.get(b.name())).as("proxy, no panic: %s is down", b.name()).isZero();
        assertThat(clientHalf.get(b.name())).as("client, no panic: %s is down", b.name()).isZero();
      }
      assertThat(proxyUnhealthy).as("proxy /status: three backends unhealthy").isEqualTo(3);
      for (SlowBackend b : c.backends.subList(0, 3)) {
        assertThat(proxyPanic.get(b.name())).as("proxy, panic: %s is down by checks", b.name()).isZero();
        assertThat(clientPanic.get(b.name())).as("client, panic: %s is down by checks", b.name()).isZero();
      }
      assertThat(proxyPanic.get(last.name())).as("proxy, panic: the one up takes everything").isPositive();
      assertThat(clientPanic.get(last.name())).as("client, panic: the one up takes everything").isPositive();
      assertThat(c.proxyStatuses.keySet()).as("all down: 503, never 502 or 504").containsOnly(200, 503);
      assertThat(viaClient.failures).allSatisfy(f -> assertThat(f).contains("NoEndpointAvailableException"));
    }
  }

  /** Waits until both paths have taken {@code down} out by their health checks and nothing is in flight on them. */
  private static void awaitDown(StaticCluster c, List<SlowBackend> down) {
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20)).until(() -> {
      Map<String, JsonNode> proxy = c.proxyBackends();
      for (SlowBackend b : down) {
        Endpoint e = c.clientEndpoint(b);
        JsonNode p = proxy.get(b.address());
        if (e.healthy() || p.path("healthy").asBoolean()) {
          return false;
        }
        if (e.inFlight() > 0 || p.path("inflight").asInt() > 0) {
          return false;
        }
      }
      return true;
    });
  }

  private static Map<String, Integer> delta(Map<String, Integer> before, Map<String, Integer> after) {
    Map<String, Integer> out = new LinkedHashMap<>();
    after.forEach((k, v) -> out.put(k, v - before.getOrDefault(k, 0)));
    return out;
  }

  private static double share(Map<String, Integer> counts, String name) {
    int total = counts.values().stream().mapToInt(Integer::intValue).sum();
    return total == 0 ? 0 : counts.getOrDefault(name, 0) / (double) total;
  }

  /** The share of {@code name} in each window between consecutive snapshots. */
  private static List<Double> shares(List<Map<String, Integer>> snapshots, String name) {
    List<Double> out = new ArrayList<>();
    for (int i = 1; i < snapshots.size(); i++) {
      out.add(share(delta(snapshots.get(i - 1), snapshots.get(i)), name));
    }
    return out;
  }

  private static double mean(List<Double> xs) {
    return xs.stream().mapToDouble(Double::doubleValue).average().orElse(0);
  }

  private static String percent(List<Double> xs) {
    List<String> out = new ArrayList<>();
    for (double x : xs) {
      out.add(String.format(Locale.ROOT, "%.1f%%", x * 100));
    }
    return String.join(" ", out);
  }

  private static void sleepUntil(long nanoTime) throws InterruptedException {
    long left = nanoTime - System.nanoTime();
    if (left > 0) {
      NANOSECONDS.sleep(left);
    }
  }

  private static long ms(long nanos) {
    return NANOSECONDS.toMillis(nanos);
  }
}
