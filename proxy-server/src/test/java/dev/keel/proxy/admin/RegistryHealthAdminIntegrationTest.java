package dev.keel.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.TestBackend;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Issue 23: an unreachable registry is not a service without instances. {@code /healthz},
 * {@code /status} and {@code /metrics} say so; the end-to-end case (a registry stopped under a
 * running proxy and client, and back) is {@code RegistryOutageIntegrationTest} in the reliability module.
 */
class RegistryHealthAdminIntegrationTest {
  private static int deadPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static HttpResponse<String> admin(ProxyFixture proxy, String path) throws Exception {
    return proxy.client.send(HttpRequest.newBuilder(proxy.adminUri(path)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void withTheRegistryUnreachableHealthzStatusAndMetricsSaySo() throws Exception {
    int port = deadPort();
    try (ProxyFixture proxy = ProxyFixture.of("zookeeper://127.0.0.1:" + port + "/services?connection-timeout=1s", "")) {
      String registry = "zookeeper://127.0.0.1:" + port + "/services";
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        HttpResponse<String> healthz = admin(proxy, "/healthz");
        assertThat(healthz.statusCode()).isEqualTo(503);
        assertThat(healthz.body()).contains("registry " + registry + " unreachable")
            .contains("serving 0 services from last known state").contains("no instance known for: demo");
      });

      JsonNode status = new ObjectMapper().readTree(admin(proxy, "/status").body());
      JsonNode r = status.get("registries").get(0);
      assertThat(r.get("registry").asText()).isEqualTo(registry);
      assertThat(r.get("state").asText()).isEqualTo("unreachable");
      assertThat(r.get("reachable").asBoolean()).isFalse();
      assertThat(r.get("cause").asText()).contains("Connection refused");
      assertThat(status.get("listeners").get(0).get("stale").asBoolean()).isTrue();

      String metrics = admin(proxy, "/metrics").body();
      assertThat(metrics).contains("keel_registry_reachable{registry=\"" + registry + "\"} 0.0")
          .contains("keel_registry_malformed_entries_total{registry=\"" + registry + "\"} 0.0")
          .contains("keel_proxy_stale{listener=\"web\",service=\"demo\"} 1.0");
      assertThat(proxy.get("/").statusCode()).isEqualTo(503);
    }
  }

  @Test
  void withTheRegistryReachableHealthzIsOkAndStatusSaysReachable() throws Exception {
    try (TestBackend a = new TestBackend("a"); ProxyFixture proxy = ProxyFixture.of("static://" + a.address(), "")) {
      HttpResponse<String> healthz = admin(proxy, "/healthz");
      assertThat(healthz.statusCode()).isEqualTo(200);
      assertThat(healthz.body()).isEqualTo("ok\n");
      JsonNode r = new ObjectMapper().readTree(admin(proxy, "/status").body()).get("registries").get(0);
      assertThat(r.get("state").asText()).isEqualTo("reachable");
      assertThat(r.get("registry").asText()).isEqualTo("static://" + a.address());
      assertThat(admin(proxy, "/metrics").body()).contains("keel_registry_reachable{registry=\"static://" + a.address() + "\"} 1.0");
    }
  }
}
