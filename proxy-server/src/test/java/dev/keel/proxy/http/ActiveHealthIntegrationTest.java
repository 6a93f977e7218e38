package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.TestBackend;
import dev.keel.proxy.upstream.Backend;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class ActiveHealthIntegrationTest {
  private static boolean healthy(ProxyFixture p, int port) {
    for (Backend b : p.picker().backends()) {
      if (b.port() == port) {
        return b.healthy();
      }
    }
    throw new AssertionError("no backend on port " + port);
  }

  @Test
  void anInstanceFailingItsHealthCheckGetsNoTrafficUntilItPassesAgain() throws Exception {
    try (TestBackend a = new TestBackend("a"); TestBackend b = new TestBackend("b");
        ProxyFixture p = ProxyFixture.of("static://" + a.address() + "," + b.address(),
            // fall: 1, so one check of a that times out takes a down too (and the panic mode then sends
            // traffic to b): a timeout that a loaded machine never reaches; b's 503s fail at once anyway.
            "    health: { active: { interval: 100ms, timeout: 5s, path: /health, rise: 1, fall: 1 } }\n")) {
      b.healthy.set(false);
      Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> !healthy(p, b.port()));
      for (int i = 0; i < 8; i++) {
        assertThat(p.get("/").body()).isEqualTo("a");
      }
      b.healthy.set(true);
      Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> healthy(p, b.port()));
      Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> p.get("/").body().equals("b"));
    }
  }
}
