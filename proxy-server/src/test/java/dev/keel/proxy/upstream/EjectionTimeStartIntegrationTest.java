package dev.keel.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.TestBackend;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * Ejection times that {@code keel-proxy check} accepts also start: 0s (no passive ejection) and a
 * base time above the default 300 s cap, on http and tcp listeners alike. Both once made the http
 * listener's balancer throw at start.
 */
class EjectionTimeStartIntegrationTest {
  private static int deadPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void listenersStartWithAZeroOrALongEjectionTime() throws Exception {
    try (TestBackend a = new TestBackend("a");
        ProxyFixture proxy = new ProxyFixture("registry: static://" + a.address() + "\n"
            + "admin: { listen: 127.0.0.1:0 }\n"
            + "workers: 1\n"
            + "shutdown-grace: 1s\n"
            + "listeners:\n"
            + "  - { name: web, listen: 127.0.0.1:0, service: demo, health: { passive: { ejection: 10m } } }\n"
            + "  - { name: off, listen: 127.0.0.1:0, service: demo, health: { passive: { ejection: 0s } } }\n"
            + "  - { name: capped, listen: 127.0.0.1:0, service: demo,\n"
            + "      health: { passive: { ejection: 10m, max-ejection: 1h }, slow-start: 0s } }\n"
            + "  - { name: tunnel, listen: 127.0.0.1:0, protocol: tcp, service: demo, health: { passive: { ejection: 10m } } }\n")) {
      assertThat(proxy.server.listeners()).extracting(l -> l.config().name())
          .containsExactly("web", "off", "capped", "tunnel");
      HttpResponse<String> r = proxy.get("/");
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("a");
    }
  }

  @Test
  void zeroEjectionTimeEjectsNothing() throws Exception {
    int dead = deadPort();
    try (TestBackend live = new TestBackend("live");
        ProxyFixture proxy = ProxyFixture.of("static://127.0.0.1:" + dead + "," + live.address(),
            "    retries: { attempts: 0 }\n    health: { passive: { consecutive-failures: 1, ejection: 0s } }\n")) {
      int failed = 0;
      for (int i = 0; i < 10; i++) {
        if (proxy.get("/").statusCode() == 502) {
          failed++;
        }
      }
      // Round robin over the two alternates exactly: had the first failure ejected the dead
      // instance, at most one or two requests would have reached it.
      assertThat(failed).isGreaterThanOrEqualTo(4);
      assertThat(proxy.picker().backends()).allSatisfy(b -> assertThat(b.endpoint().ejected()).isFalse());
    }
  }
}
