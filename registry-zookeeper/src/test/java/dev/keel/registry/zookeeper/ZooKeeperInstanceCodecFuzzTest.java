package dev.keel.registry.zookeeper;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.keel.registry.ServiceInstance;
import java.util.Arrays;

/**
 * Fuzzes {@link InstanceCodec#decode} (Curator x-discovery node JSON): a valid instance of the
 * service, which encodes and decodes back to itself, null (a disabled node), or an
 * {@link IllegalArgumentException} (the watch skips the node with a warning); nothing else.
 * Input: a first line {@code service/node-name}, then the node data.
 */
class ZooKeeperInstanceCodecFuzzTest {
  private static final InstanceCodec CODEC = new InstanceCodec(ZooKeeperRegistry.SPRING_CLOUD_PAYLOAD);

  @FuzzTest(maxDuration = "3s")
  void decode(FuzzedDataProvider data) {
    byte[] input = data.consumeRemainingAsBytes();
    int nl = -1;
    for (int i = 0; i < input.length && nl < 0; i++) {
      nl = input[i] == '\n' ? i : -1;
    }
    String header = nl < 0 ? "orders/n1" : new String(input, 0, nl, UTF_8);
    byte[] node = nl < 0 ? input : Arrays.copyOfRange(input, nl + 1, input.length);
    int slash = header.indexOf('/');
    String service = slash < 0 ? header : header.substring(0, slash);
    String nodeName = slash < 0 ? "n1" : header.substring(slash + 1);

    ServiceInstance instance;
    try {
      instance = InstanceCodec.decode(service, nodeName, node);
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).isNotBlank();
      return;
    }
    if (instance == null) {
      return; // "enabled": false
    }
    assertThat(instance.service()).isEqualTo(service).isNotBlank();
    assertThat(instance.host()).isNotBlank();
    assertThat(instance.id()).isNotBlank();
    assertThat(instance.port()).isBetween(1, 65_535);
    assertThat(instance.weight()).isBetween(0, ServiceInstance.MAX_WEIGHT);
    assertThat(instance.metadata().keySet()).allSatisfy(k -> assertThat(k).isNotEmpty()).doesNotContain("weight");

    if (wellFormed(instance)) {
      assertThat(InstanceCodec.decode(service, nodeName, CODEC.encode(instance, 1L))).isEqualTo(instance);
    }
  }

  /** JSON escapes can make strings with unpaired surrogates, which no UTF-8 encoder writes back. */
  private static boolean wellFormed(ServiceInstance i) {
    StringBuilder all = new StringBuilder(i.service()).append(i.id()).append(i.host());
    i.metadata().forEach((k, v) -> all.append(k).append(v));
    String s = all.toString();
    return s.equals(new String(s.getBytes(UTF_8), UTF_8));
  }
}
