package dev.keel.registry.zookeeper;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.registry.ServiceInstance;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The node JSON: what Keel writes, and what it makes of what others write. */
class InstanceCodecTest {
  private static final ServiceInstance ORDERS = ServiceInstance.builder().service("orders").id("orders-1")
      .host("10.0.0.7").port(8080).weight(250).metadata(Map.of("zone", "a")).build();

  @Test
  void writesCuratorsLayoutWithWeightAndMetadataInThePayload() {
    String json = new String(new InstanceCodec(ZooKeeperRegistry.SPRING_CLOUD_PAYLOAD).encode(ORDERS, 1_700_000_000_000L), UTF_8);
    assertThat(json).isEqualTo("{\"name\":\"orders\",\"id\":\"orders-1\",\"address\":\"10.0.0.7\",\"port\":8080,"
        + "\"sslPort\":null,\"payload\":{\"@class\":\"org.springframework.cloud.zookeeper.discovery.ZookeeperInstance\","
        + "\"id\":\"orders-1\",\"name\":\"orders\",\"metadata\":{\"weight\":\"250\",\"zone\":\"a\"}},"
        + "\"registrationTimeUTC\":1700000000000,\"serviceType\":\"DYNAMIC\",\"uriSpec\":{\"parts\":["
        + "{\"value\":\"scheme\",\"variable\":true},{\"value\":\"://\",\"variable\":false},"
        + "{\"value\":\"address\",\"variable\":true},{\"value\":\":\",\"variable\":false},"
        + "{\"value\":\"port\",\"variable\":true}]},\"enabled\":true}");
  }

  @Test
  void readsBackWhatItWrites() {
    byte[] data = new InstanceCodec(ZooKeeperRegistry.MAP_PAYLOAD).encode(ORDERS, 1L);
    assertThat(InstanceCodec.decode("orders", "orders-1", data)).isEqualTo(ORDERS);
  }

  @Test
  void aMatchingWeightInTheMetadataIsAcceptedAndAConflictingOneRejected() {
    InstanceCodec codec = new InstanceCodec(ZooKeeperRegistry.MAP_PAYLOAD);
    codec.encode(ORDERS.toBuilder().putMetadata("weight", "250").build(), 1L);
    assertThatThrownBy(() -> codec.encode(ORDERS.toBuilder().putMetadata("weight", "3").build(), 1L))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("metadata[weight]: '3'");
  }

  @Test
  void readsSpringCloudAndDubboPayloads() {
    ServiceInstance spring = decode("{\"name\":\"orders\",\"id\":\"s-1\",\"address\":\"10.0.0.8\",\"port\":8081,"
        + "\"payload\":{\"@class\":\"org.springframework.cloud.zookeeper.discovery.ZookeeperInstance\",\"id\":\"orders-8081\","
        + "\"name\":\"orders\",\"metadata\":{\"instance_status\":\"UP\"}},\"registrationTimeUTC\":1,\"serviceType\":\"DYNAMIC\"}");
    assertThat(spring.id()).isEqualTo("s-1");
    assertThat(spring.weight()).isEqualTo(100);
    assertThat(spring.metadata()).isEqualTo(Map.of("instance_status", "UP"));

    ServiceInstance dubbo = decode("{\"name\":\"orders\",\"id\":\"10.0.0.9:20880\",\"address\":\"10.0.0.9\",\"port\":20880,"
        + "\"payload\":{\"@class\":\"org.apache.dubbo.registry.zookeeper.ZookeeperInstance\",\"id\":\"10.0.0.9:20880\","
        + "\"name\":\"orders\",\"metadata\":{\"dubbo.metadata.revision\":\"abc\",\"weight\":\"60\"}}}");
    assertThat(dubbo.weight()).isEqualTo(60);
    assertThat(dubbo.metadata()).isEqualTo(Map.of("dubbo.metadata.revision", "abc"));
  }

  @Test
  void readsOtherPayloadShapes() {
    assertThat(decode("{\"address\":\"h\",\"port\":1,\"payload\":{\"@class\":\"java.util.HashMap\",\"zone\":\"b\",\"n\":2,"
        + "\"nested\":{\"x\":1}}}").metadata()).isEqualTo(Map.of("zone", "b", "n", "2"));
    assertThat(decode("{\"address\":\"h\",\"port\":1,\"payload\":\"just a string\"}").metadata()).isEmpty();
    assertThat(decode("{\"address\":\"h\",\"port\":1,\"payload\":null}").metadata()).isEmpty();
    assertThat(decode("{\"address\":\"h\",\"port\":1,\"payload\":{\"metadata\":{\"k\":true,\"o\":{\"a\":1}}}}").metadata())
        .isEqualTo(Map.of("k", "true", "o", "{\"a\":1}"));
  }

  @Test
  void theNodeNameIsTheIdWhenTheJsonHasNone() {
    assertThat(decode("{\"address\":\"h\",\"port\":\"8080\"}").id()).isEqualTo("node-name");
  }

  @Test
  void anInstanceWithOnlyAnSslPortUsesIt() {
    assertThat(decode("{\"address\":\"h\",\"port\":null,\"sslPort\":8443}").port()).isEqualTo(8443);
  }

  @Test
  void disabledInstancesAreNull() {
    assertThat(InstanceCodec.decode("orders", "n", "{\"address\":\"h\",\"port\":1,\"enabled\":false}".getBytes(UTF_8))).isNull();
    assertThat(decode("{\"address\":\"h\",\"port\":1,\"enabled\":true}")).isNotNull();
  }

  @Test
  void unreadableNodesAreRejectedSayingWhy() {
    assertRejected("", "no data");
    assertRejected("{oops", "not JSON");
    assertRejected("[1,2]", "not a JSON object");
    assertRejected("{\"port\":1}", "address: missing");
    assertRejected("{\"address\":\"h\"}", "port: missing");
    assertRejected("{\"address\":\"h\",\"port\":\"eighty\"}", "port: \"eighty\"");
    assertRejected("{\"address\":\"h\",\"port\":70000}", "port: 70000");
    assertRejected("{\"address\":\"h\",\"port\":1,\"payload\":{\"metadata\":{\"weight\":\"heavy\"}}}", "metadata[weight]: 'heavy'");
    assertRejected("{\"address\":\"h\",\"port\":1,\"payload\":{\"metadata\":{\"weight\":\"20000\"}}}", "weight: 20000");
    assertRejected("{\"address\":42,\"port\":1}", "address: 42");
  }

  private static ServiceInstance decode(String json) {
    return requireNonNull(InstanceCodec.decode("orders", "node-name", json.getBytes(UTF_8)));
  }

  private static void assertRejected(String json, String message) {
    assertThatThrownBy(() -> decode(json)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
  }
}
