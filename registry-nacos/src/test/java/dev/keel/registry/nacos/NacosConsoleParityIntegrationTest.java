package dev.keel.registry.nacos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.api.naming.pojo.Instance;
import com.fasterxml.jackson.databind.JsonNode;
import dev.keel.registry.InstanceSet;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.nacos.fixture.NacosOpenApi;
import dev.keel.registry.nacos.fixture.NacosServer;
import dev.keel.registry.tck.Recorder;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Instances that other Nacos clients registered, as Nacos's own console shows them, and what Keel
 * makes of them: Keel offers exactly the console's instances that are healthy and enabled, with the
 * console's weight × 100 (weight 0 listed, sent nothing), in the URI's group, and in the URI's
 * cluster when it names one. Persistent instances come from the Open API, as a non-Java service or
 * an operator registers them, and Nacos's own TCP health check marks the one whose port is closed
 * unhealthy; ephemeral ones from plain nacos-client.
 */
@Tag(NacosServer.TAG)
class NacosConsoleParityIntegrationTest {
  private static final Duration HEALTH_CHECKED = Duration.ofSeconds(60);
  private final List<AutoCloseable> closeAfter = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : closeAfter) {
      c.close();
    }
  }

  private RegistryClient keel(String params) {
    RegistryClient c = Registries.open("nacos://" + NacosServer.shared().address() + "?" + params, NacosTestSupport.options());
    closeAfter.add(c);
    return c;
  }

  private int listening() throws Exception {
    ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    closeAfter.add(s);
    return s.getLocalPort();
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void persistentInstancesFromTheOpenApiAreOfferedAsTheConsoleShowsThem() throws Exception {
    NacosOpenApi api = NacosServer.shared().openApi();
    String s = "console-persistent-" + UUID.randomUUID().toString().substring(0, 8);
    int healthy = listening();
    int unhealthy = closedPort();
    int weightZero = listening();
    int disabled = listening();
    int otherCluster = listening();
    register(api, s, healthy, "2.5", true, "DEFAULT");
    register(api, s, unhealthy, "1", true, "DEFAULT");
    register(api, s, weightZero, "0", true, "DEFAULT");
    register(api, s, disabled, "1", false, "DEFAULT");
    register(api, s, otherCluster, "1", true, "c2");
    closeAfter.add(() -> {
      for (int port : new int[] {healthy, unhealthy, weightZero, disabled}) {
        api.delete("/v1/ns/instance", "serviceName", s, "ip", "127.0.0.1", "port", String.valueOf(port), "ephemeral", "false");
      }
      api.delete("/v1/ns/instance", "serviceName", s, "ip", "127.0.0.1", "port", String.valueOf(otherCluster),
          "ephemeral", "false", "clusterName", "c2");
    });

    await().atMost(HEALTH_CHECKED).ignoreExceptions().untilAsserted(() -> assertThat(console(api, "DEFAULT_GROUP", s))
        .containsEntry("127.0.0.1:" + unhealthy, "weight 100, unhealthy, enabled")
        .containsEntry("127.0.0.1:" + healthy, "weight 250, healthy, enabled")
        .containsEntry("127.0.0.1:" + weightZero, "weight 0, healthy, enabled")
        .containsEntry("127.0.0.1:" + disabled, "weight 100, healthy, disabled")
        .containsEntry("127.0.0.1:" + otherCluster, "weight 100, healthy, enabled")
        .hasSize(5));

    Map<String, String> offered = offeredByTheConsole(console(api, "DEFAULT_GROUP", s));
    assertThat(offered).containsOnlyKeys("127.0.0.1:" + healthy, "127.0.0.1:" + weightZero, "127.0.0.1:" + otherCluster);
    RegistryClient all = keel("");
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(weights(all.resolve(s))).isEqualTo(offered));
    Recorder watch = new Recorder();
    all.watch(s, watch);
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(watch.last()).isNotNull()
        .extracting(NacosConsoleParityIntegrationTest::weights).isEqualTo(offered));
    assertThat(weights(keel("cluster=c2").resolve(s))).as("cluster c2 only")
        .isEqualTo(Map.of("127.0.0.1:" + otherCluster, "weight 100"));
  }

  @Test
  void ephemeralInstancesOfAnotherGroupAreSeenOnlyThroughThatGroup() throws Exception {
    NacosOpenApi api = NacosServer.shared().openApi();
    String s = "console-group-" + UUID.randomUUID().toString().substring(0, 8);
    NamingService plain = NacosTestSupport.foreignNaming(NacosServer.shared().address(), "");
    closeAfter.add(plain::shutDown);
    plain.batchRegisterInstance(s, "OTHER", List.of(instance(7101, true, 0.5), instance(7102, false, 1), instance(7103, true, 0)));

    await().atMost(Duration.ofSeconds(15)).ignoreExceptions().untilAsserted(() -> assertThat(console(api, "OTHER", s))
        .containsOnlyKeys("127.0.0.1:7101", "127.0.0.1:7102", "127.0.0.1:7103"));
    Map<String, String> offered = offeredByTheConsole(console(api, "OTHER", s));
    assertThat(offered).isEqualTo(Map.of("127.0.0.1:7101", "weight 50", "127.0.0.1:7103", "weight 0"));
    assertThat(weights(keel("group=OTHER").resolve(s))).isEqualTo(offered);
    assertThat(keel("").resolve(s).isEmpty()).as("DEFAULT_GROUP sees none of group OTHER").isTrue();
  }

  private static void register(NacosOpenApi api, String service, int port, String weight, boolean enabled, String cluster) {
    api.post("/v1/ns/instance", "serviceName", service, "ip", "127.0.0.1", "port", String.valueOf(port),
        "weight", weight, "enabled", String.valueOf(enabled), "ephemeral", "false", "clusterName", cluster,
        "metadata", "{\"zone\":\"z1\"}");
  }

  private static Instance instance(int port, boolean healthy, double weight) {
    Instance i = new Instance();
    i.setIp("127.0.0.1");
    i.setPort(port);
    i.setHealthy(healthy);
    i.setWeight(weight);
    return i;
  }

  /** Every instance of every cluster of the service, as the console lists it: address → weight, health, state. */
  private static Map<String, String> console(NacosOpenApi api, String group, String service) {
    Map<String, String> out = new TreeMap<>();
    JsonNode detail = api.getJson("/v1/ns/catalog/service", "serviceName", service, "groupName", group);
    for (JsonNode cluster : detail.path("clusters")) {
      for (JsonNode i : api.consoleInstances("public", group, service, cluster.path("name").asText())) {
        out.put(i.path("ip").asText() + ":" + i.path("port").asInt(), "weight " + Math.round(i.path("weight").asDouble() * 100)
            + (i.path("healthy").asBoolean() ? ", healthy" : ", unhealthy")
            + (i.path("enabled").asBoolean() ? ", enabled" : ", disabled"));
      }
    }
    return out;
  }

  /** The console's instances a caller may use: healthy and enabled. */
  private static Map<String, String> offeredByTheConsole(Map<String, String> console) {
    Map<String, String> out = new TreeMap<>();
    console.forEach((address, state) -> {
      if (state.endsWith(", healthy, enabled")) {
        out.put(address, state.substring(0, state.indexOf(',')));
      }
    });
    return out;
  }

  private static Map<String, String> weights(InstanceSet set) {
    Map<String, String> out = new TreeMap<>();
    for (ServiceInstance i : set.instances()) {
      out.put(i.address(), "weight " + i.weight());
    }
    return out;
  }
}
