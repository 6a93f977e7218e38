package dev.keel.registry.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.tck.Recorder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The documented layout, written and read by {@code etcdctl}, as a service in another language would. */
class EtcdInteropIntegrationTest {
  @RegisterExtension
  static final EtcdServerExtension etcd = new EtcdServerExtension();

  private RegistryClient client;

  @BeforeEach
  void open() {
    client = Registries.open("etcd://127.0.0.1:" + etcd.clientPort() + "?ttl=3s");
  }

  @AfterEach
  void close() {
    client.close();
  }

  @Test
  void anInstancePutByEtcdctlUnderALeaseIsDiscoveredAndGoesWithItsLease() throws Exception {
    client.register(ServiceInstance.builder().service("payments").id("pay-java-1").host("10.0.0.9").port(8080).build());
    Recorder seen = new Recorder();
    client.watch("payments", seen);
    await().atMost(Duration.ofSeconds(10)).until(() -> seen.lastIds().equals(List.of("pay-java-1")));

    // The exact commands of the README.
    String granted = etcd.etcdctl("lease", "grant", "30");
    Matcher m = Pattern.compile("lease ([0-9a-f]+) granted").matcher(granted);
    assertThat(m.find()).as("etcdctl lease grant printed: %s", granted).isTrue();
    String lease = m.group(1);
    etcd.etcdctl("put", "--lease=" + lease, "/keel/services/payments/pay-go-1",
        "{\"id\":\"pay-go-1\",\"service\":\"payments\",\"host\":\"10.1.2.3\",\"port\":8443,\"weight\":50,"
            + "\"metadata\":{\"zone\":\"eu-1\",\"protocol\":\"grpc\"}}");

    await().atMost(Duration.ofSeconds(10)).until(() -> seen.lastIds().equals(List.of("pay-go-1", "pay-java-1")));
    ServiceInstance go = seen.lastInstance("pay-go-1");
    assertThat(go.host()).isEqualTo("10.1.2.3");
    assertThat(go.port()).isEqualTo(8443);
    assertThat(go.weight()).isEqualTo(50);
    assertThat(go.metadata()).isEqualTo(Map.of("zone", "eu-1", "protocol", "grpc"));
    assertThat(client.resolve("payments").get("pay-go-1")).isEqualTo(go);

    etcd.etcdctl("lease", "revoke", lease);
    await().atMost(Duration.ofSeconds(10)).until(() -> seen.lastIds().equals(List.of("pay-java-1")));
    assertThat(client.resolve("payments").get("pay-go-1")).isNull();
  }

  @Test
  void keelWritesTheDocumentedFormatUnderALease() throws Exception {
    client.register(ServiceInstance.builder().service("search").id("s-1").host("10.0.0.7").port(9200).weight(70)
        .metadata(Map.of("zone", "b")).build());
    String value = etcd.etcdctl("get", "/keel/services/search/s-1", "--print-value-only");
    JsonNode json = new ObjectMapper().readTree(value);
    assertThat(json.get("id").asText()).isEqualTo("s-1");
    assertThat(json.get("service").asText()).isEqualTo("search");
    assertThat(json.get("host").asText()).isEqualTo("10.0.0.7");
    assertThat(json.get("port").asInt()).isEqualTo(9200);
    assertThat(json.get("weight").asInt()).isEqualTo(70);
    assertThat(json.get("metadata").get("zone").asText()).isEqualTo("b");
    String keys = etcd.etcdctl("lease", "list");
    assertThat(keys).as("a lease is listed").containsPattern("[0-9a-f]{8,}");
  }

  @Test
  void malformedValuesAreSkippedAndTheRestOfTheSetStays() throws Exception {
    client.register(ServiceInstance.builder().service("inventory").id("good-1").host("10.0.0.1").port(8080).build());
    etcd.etcdctl("put", "/keel/services/inventory/bad-json", "{not json");
    etcd.etcdctl("put", "/keel/services/inventory/port-0", "{\"host\":\"10.0.0.2\",\"port\":0}");
    assertThat(client.resolve("inventory").instances()).extracting(ServiceInstance::id).containsExactly("good-1");

    Recorder seen = new Recorder();
    client.watch("inventory", seen);
    await().atMost(Duration.ofSeconds(10)).until(() -> seen.lastIds().equals(List.of("good-1")));
    etcd.etcdctl("put", "/keel/services/inventory/port-70000", "{\"host\":\"10.0.0.3\",\"port\":70000}");
    etcd.etcdctl("put", "/keel/services/inventory/good-2", "{\"host\":\"10.0.0.4\",\"port\":8080}");
    await().atMost(Duration.ofSeconds(10)).until(() -> seen.lastIds().equals(List.of("good-1", "good-2")));
    // good-2 turns malformed: it leaves, the rest stays
    etcd.etcdctl("put", "/keel/services/inventory/good-2", "{\"host\":\"10.0.0.4\",\"port\":\"eighty\"}");
    await().atMost(Duration.ofSeconds(10)).until(() -> seen.lastIds().equals(List.of("good-1")));
    assertThat(seen.received()).noneMatch(set -> set.isEmpty());
    assertThat(client.resolve("inventory").instances()).extracting(ServiceInstance::id).containsExactly("good-1");
  }
}
