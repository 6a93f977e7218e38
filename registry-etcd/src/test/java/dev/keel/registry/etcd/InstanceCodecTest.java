package dev.keel.registry.etcd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.registry.ServiceInstance;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InstanceCodecTest {
  private final InstanceCodec codec = new InstanceCodec("/keel");

  @Test
  void keysFollowTheDocumentedLayout() {
    ServiceInstance i = ServiceInstance.builder().service("orders").id("o-1").host("10.0.0.1").port(8080).build();
    assertThat(codec.key(i)).isEqualTo("/keel/services/orders/o-1");
    assertThat(codec.serviceKeyPrefix("orders")).isEqualTo("/keel/services/orders/");
  }

  @Test
  void encodeThenDecodeRoundTrips() {
    ServiceInstance i = ServiceInstance.builder().service("orders").id("o-1").host("::1").port(8080).weight(0)
        .metadata(Map.of("zone", "a", "描述", "✓ \"quoted\"")).build();
    assertThat(codec.decode("orders", codec.key(i), codec.encode(i))).isEqualTo(i);
  }

  @Test
  void minimalDocumentTakesIdAndServiceFromTheKeyAndDefaultsTheWeight() {
    ServiceInstance i = decode("/keel/services/orders/o-9", "{\"host\":\"10.0.0.9\",\"port\":81,\"extra\":[1]}");
    assertThat(i.id()).isEqualTo("o-9");
    assertThat(i.service()).isEqualTo("orders");
    assertThat(i.weight()).isEqualTo(ServiceInstance.DEFAULT_WEIGHT);
    assertThat(i.metadata()).isEmpty();
  }

  @Test
  void scalarMetadataValuesFromOtherLanguagesBecomeText() {
    ServiceInstance i = decode("/keel/services/orders/o-1",
        "{\"host\":\"h\",\"port\":1,\"metadata\":{\"canary\":true,\"shard\":3}}");
    assertThat(i.metadata()).containsEntry("canary", "true").containsEntry("shard", "3");
  }

  @Test
  void malformedEntriesAreRejectedSayingWhatIsWrong() {
    String key = "/keel/services/orders/o-1";
    assertThatThrownBy(() -> decode(key, "{not json")).hasMessageContaining("not JSON");
    assertThatThrownBy(() -> decode(key, "[1,2]")).hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> decode(key, "{\"host\":\"h\",\"port\":0}")).hasMessageContaining("port: 0 (expected: 1..65535)");
    assertThatThrownBy(() -> decode(key, "{\"host\":\"h\",\"port\":70000}")).hasMessageContaining("port: 70000");
    assertThatThrownBy(() -> decode(key, "{\"host\":\"h\",\"port\":\"80\"}")).hasMessageContaining("port");
    assertThatThrownBy(() -> decode(key, "{\"host\":\"h\",\"port\":80.5}")).hasMessageContaining("port");
    assertThatThrownBy(() -> decode(key, "{\"port\":80}")).hasMessageContaining("host");
    assertThatThrownBy(() -> decode(key, "{\"host\":\"h\",\"port\":80,\"weight\":10001}")).hasMessageContaining("weight");
    assertThatThrownBy(() -> decode(key, "{\"id\":\"other\",\"host\":\"h\",\"port\":80}")).hasMessageContaining("id");
    assertThatThrownBy(() -> decode(key, "{\"service\":\"x\",\"host\":\"h\",\"port\":80}")).hasMessageContaining("service");
    assertThatThrownBy(() -> decode(key, "{\"host\":\"h\",\"port\":80,\"metadata\":{\"a\":{}}}")).hasMessageContaining("metadata.a");
    assertThatThrownBy(() -> decode("/keel/services/orders/", "{\"host\":\"h\",\"port\":80}")).hasMessageContaining("key");
  }

  @Test
  void prefixesAreNormalised() {
    assertThat(InstanceCodec.normalizePrefix("keel")).isEqualTo("/keel");
    assertThat(InstanceCodec.normalizePrefix("/a/b/")).isEqualTo("/a/b");
    assertThat(InstanceCodec.normalizePrefix("/")).isEmpty();
    assertThatThrownBy(() -> InstanceCodec.normalizePrefix(" ")).hasMessageContaining("prefix");
  }

  @Test
  void serviceNamesWithASlashAreRejected() {
    assertThatThrownBy(() -> InstanceCodec.checkService("a/b"))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("service: 'a/b' (expected: non-blank, no '/')");
  }

  private ServiceInstance decode(String key, String json) {
    return codec.decode("orders", key, json.getBytes(StandardCharsets.UTF_8));
  }
}
