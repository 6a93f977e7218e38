package dev.keel.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keel.client.NoEndpointAvailableException;
import dev.keel.registry.RegistryHealth;
import dev.keel.reliability.support.Cluster;
import dev.keel.reliability.support.Proxies;
import dev.keel.reliability.support.RegistryKind;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import okhttp3.Request;
import okhttp3.Response;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 23: the registry stopped under a running proxy and client. Within 10 s {@code /status},
 * {@code /metrics}, {@code /healthz} and the client's exception all say the registry is unreachable
 * (while the last known instances are still served), and once it is back they all say so too.
 */
@Timeout(150) // a real Nacos takes 15 to 45 s to start again on this kind of machine
class RegistryOutageIntegrationTest {
  private static final Duration SAY_SO_WITHIN = Duration.ofSeconds(10);
  /** A registry that comes back is reconnected to with back-off: nacos-client's is the slowest. */
  private static final Duration BACK_WITHIN = Duration.ofSeconds(30);

  @ParameterizedTest(name = "{0}")
  @MethodSource("dev.keel.reliability.support.RegistryKind#available")
  void everySurfaceSaysTheRegistryIsUnreachableAndWhenItIsBack(RegistryKind kind) throws Exception {
    try (Cluster cluster = new Cluster(kind.start(), 2, "")) {
      cluster.proxyGet("/warm");
      cluster.clientGet("/warm");
      cluster.awaitEverywhere(Duration.ofSeconds(15), Set.of("b0", "b1"));

      cluster.registry.stop();

      await().atMost(SAY_SO_WITHIN).untilAsserted(() -> {
        JsonNode status = Proxies.status(cluster.proxyClient, cluster.proxy);
        assertThat(status.at("/registries/0/state").asText()).isEqualTo("unreachable");
        assertThat(status.at("/listeners/0/stale").asBoolean()).isTrue();
        assertThat(metrics(cluster)).contains("keel_registry_reachable{registry=").contains("} 0.0")
            .contains("keel_proxy_stale{listener=\"web\",service=\"demo\"} 1.0");
        HttpResponse<String> healthz = healthz(cluster);
        assertThat(healthz.statusCode()).isEqualTo(200);
        assertThat(healthz.body()).startsWith("degraded: registry ").contains("unreachable")
            .contains("serving 1 services from last known state");
        assertThat(cluster.clientRegistry.health().state()).isEqualTo(RegistryHealth.State.UNREACHABLE);
        assertThat(cluster.keel.balancer(Cluster.SERVICE).state().stale()).isTrue();
        assertThatThrownBy(() -> call(cluster, "http://elsewhere/"))
            .isInstanceOf(NoEndpointAvailableException.class)
            .hasMessageContaining("service 'elsewhere'").hasMessageContaining("unreachable");
      });
      assertThat(cluster.proxyGet("/work")).as("the last known instances are served").startsWith("b");
      assertThat(cluster.clientGet("/work")).startsWith("b");

      cluster.registry.start();

      await().atMost(BACK_WITHIN).untilAsserted(() -> {
        JsonNode status = Proxies.status(cluster.proxyClient, cluster.proxy);
        assertThat(status.at("/registries/0/state").asText()).isEqualTo("reachable");
        assertThat(status.at("/listeners/0/stale").asBoolean()).isFalse();
        assertThat(metrics(cluster)).contains("keel_registry_reachable{registry=").contains("} 1.0")
            .contains("keel_proxy_stale{listener=\"web\",service=\"demo\"} 0.0");
        HttpResponse<String> healthz = healthz(cluster);
        assertThat(healthz.statusCode()).isEqualTo(200);
        assertThat(healthz.body()).isEqualTo("ok\n");
        assertThat(cluster.clientRegistry.health().reachable()).isTrue();
        assertThat(cluster.keel.balancer(Cluster.SERVICE).state().stale()).isFalse();
        assertThatThrownBy(() -> call(cluster, "http://elsewhere/"))
            .isInstanceOf(NoEndpointAvailableException.class).hasMessageContaining("no instance registered");
      });
    }
  }

  private static String metrics(Cluster cluster) throws Exception {
    return cluster.proxyClient.send(java.net.http.HttpRequest.newBuilder(Proxies.adminUri(cluster.proxy, "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  private static HttpResponse<String> healthz(Cluster cluster) throws Exception {
    return cluster.proxyClient.send(java.net.http.HttpRequest.newBuilder(Proxies.adminUri(cluster.proxy, "/healthz")).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void call(Cluster cluster, String url) throws Exception {
    try (Response r = cluster.client.newCall(new Request.Builder().url(url).build()).execute()) {
      r.body().string();
    }
  }
}
