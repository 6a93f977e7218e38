package dev.keel.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Fuzzes {@link ServiceInstance.Builder#build()}: a valid instance or an {@link IllegalArgumentException}
 * naming the field, nothing else. Input: the strings (service, host, id, then metadata key/value pairs)
 * from the front, separated by {@code \x}; the id flag and the weight and port (little-endian ints) from the end.
 */
class ServiceInstanceFuzzTest {
  @FuzzTest(maxDuration = "5s")
  void build(FuzzedDataProvider data) {
    int port = data.consumeInt();
    int weight = data.consumeInt();
    boolean withId = data.consumeBoolean();
    String service = data.consumeString(64);
    String host = data.consumeString(64);
    String id = data.consumeString(64);
    Map<String, String> metadata = new LinkedHashMap<>();
    while (data.remainingBytes() > 0 && metadata.size() < 16) {
      metadata.put(data.consumeString(32), data.consumeString(64));
    }

    ServiceInstance instance;
    try {
      instance = ServiceInstance.builder().service(service).host(host).port(port).weight(weight)
          .id(withId ? id : null).metadata(metadata).build();
    } catch (IllegalArgumentException e) {
      FuzzChecks.namesAField(e, "service", "host", "port", "weight", "id", "metadata key");
      return;
    }
    FuzzChecks.valid(instance);
    assertThat(instance.service()).isEqualTo(service);
    assertThat(instance.port()).isEqualTo(port);
    assertThat(instance.weight()).isEqualTo(weight);
    assertThat(instance.id()).isEqualTo(withId ? id : instance.address());
    assertThat(instance.metadata()).isEqualTo(metadata);
    ServiceInstance copy = instance.toBuilder().build();
    assertThat(copy).isEqualTo(instance).hasSameHashCodeAs(instance);
  }
}
