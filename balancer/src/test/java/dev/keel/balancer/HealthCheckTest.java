package dev.keel.balancer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.registry.ServiceInstance;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class HealthCheckTest {
  /** Answers from a settable map; unknown ids pass. Completes at once. */
  static final class FakeChecker implements HealthChecker {
    final Map<String, Boolean> up = new ConcurrentHashMap<>();
    final Map<String, Integer> checks = new ConcurrentHashMap<>();

    @Override
    public CompletionStage<Boolean> check(ServiceInstance instance, Duration timeout) {
      checks.merge(instance.id(), 1, Integer::sum);
      return CompletableFuture.completedFuture(up.getOrDefault(instance.id(), true));
    }
  }

  private final FakeClock clock = new FakeClock();
  private final SettableDiscovery discovery = new SettableDiscovery();
  private final FakeChecker checker = new FakeChecker();

  private Balancer balancer() {
    discovery.set(SettableDiscovery.instances(4));
    return Fixtures.balancer(discovery, clock, BalancerConfig.builder().slowStartWindow(Duration.ZERO).build())
        .healthChecker(checker).build();
  }

  @Test
  void endpointGoesDownAfterFallFailedChecksAndBackAfterRisePassedChecks() {
    Balancer b = balancer();
    Endpoint e = Fixtures.member(b, "e01");
    clock.advance(Duration.ofSeconds(1)); // first round of checks: all pass
    checker.up.put("e01", false);
    clock.advance(Duration.ofSeconds(5)); // 1 failed
    clock.advance(Duration.ofSeconds(5)); // 2 failed
    assertThat(e.healthy()).isTrue();
    clock.advance(Duration.ofSeconds(5)); // 3 failed = fall
    assertThat(e.healthy()).isFalse();
    assertThat(Fixtures.histogram(b, 1_000)).doesNotContainKey("e01");

    checker.up.put("e01", true);
    clock.advance(Duration.ofSeconds(5)); // 1 passed
    assertThat(e.healthy()).isFalse();
    assertThat(Fixtures.histogram(b, 1_000)).doesNotContainKey("e01");
    clock.advance(Duration.ofSeconds(5)); // 2 passed = rise
    assertThat(e.healthy()).isTrue();
    assertThat(Fixtures.histogram(b, 1_000)).containsKey("e01");
  }

  @Test
  void checksRunEveryIntervalPerEndpoint() {
    balancer();
    clock.advance(Duration.ofSeconds(21)); // t = 1, 6, 11, 16, 21 s
    assertThat(checker.checks).hasSize(4);
    assertThat(checker.checks.values()).allSatisfy(n -> assertThat(n).isEqualTo(5));
  }

  @Test
  void checkThatNeverAnswersCountsAsFailed() {
    discovery.set(SettableDiscovery.instances(2));
    HealthChecker hanging = (instance, timeout) -> instance.id().equals("e01")
        ? new CompletableFuture<>() : CompletableFuture.completedFuture(true);
    Balancer b = Fixtures.balancer(discovery, clock, BalancerConfig.defaults()).healthChecker(hanging).build();
    clock.advance(Duration.ofSeconds(30));
    assertThat(Fixtures.member(b, "e01").healthy()).isFalse();
    assertThat(Fixtures.member(b, "e00").healthy()).isTrue();
  }

  @Test
  void removedEndpointIsNoLongerChecked() {
    balancer();
    clock.advance(Duration.ofSeconds(1));
    discovery.set(SettableDiscovery.instances(3)); // e03 leaves
    int before = Fixtures.present(checker.checks.get("e03"));
    clock.advance(Duration.ofSeconds(20));
    assertThat(checker.checks.get("e03")).isEqualTo(before);
    assertThat(checker.checks.get("e00")).isEqualTo(before + 4);
  }

  @Test
  void flappingBelowFallNeverTakesTheEndpointDown() {
    Balancer b = balancer();
    Endpoint e = Fixtures.member(b, "e02");
    for (int i = 0; i < 10; i++) {
      checker.up.put("e02", i % 3 != 2); // fail every third check: never 3 in a row
      clock.advance(Duration.ofSeconds(5));
      assertThat(e.healthy()).isTrue();
    }
  }

  @Test
  void tcpCheckerPassesOnAListeningPortAndFailsOnAClosedOne() throws IOException {
    try (Socket closed = closedPort(); ServerSocket open = new ServerSocket(0)) {
      ServiceInstance up = ServiceInstance.builder().service("s").host("127.0.0.1").port(open.getLocalPort()).build();
      ServiceInstance down = ServiceInstance.builder().service("s").host("127.0.0.1").port(closed.getLocalPort()).build();
      assertThat(HealthChecker.tcp().check(up, Duration.ofSeconds(2)).toCompletableFuture().join()).isTrue();
      assertThat(HealthChecker.tcp().check(down, Duration.ofSeconds(2)).toCompletableFuture().join()).isFalse();
    }
  }

  @Test
  void httpCheckerFailsWhenNothingListens() throws IOException {
    try (Socket closed = closedPort()) {
      ServiceInstance down = ServiceInstance.builder().service("s").host("127.0.0.1").port(closed.getLocalPort()).build();
      assertThat(HealthChecker.http("/health").check(down, Duration.ofSeconds(2)).toCompletableFuture().join()).isFalse();
    }
  }

  /**
   * A loopback port that refuses connections for as long as the socket stays open: bound, never
   * listening. (A port bound and closed again may be taken by anyone meanwhile.)
   */
  private static Socket closedPort() throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    return s;
  }
}
