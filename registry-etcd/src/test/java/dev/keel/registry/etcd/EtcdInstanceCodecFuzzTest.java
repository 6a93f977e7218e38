package dev.keel.registry.etcd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.keel.registry.ServiceInstance;
import java.util.Arrays;

/**
 * Fuzzes {@link InstanceCodec#decode}: a valid instance of the key's service and id, which encodes and
 * decodes back to itself, or an {@link IllegalArgumentException} (the caller skips the entry with a
 * warning); nothing else. Input: a first line {@code service/key-id}, then the value.
 */
class EtcdInstanceCodecFuzzTest {
  private static final InstanceCodec CODEC = new InstanceCodec("/keel");

  @FuzzTest(maxDuration = "3s")
  void decode(FuzzedDataProvider data) {
    byte[] input = data.consumeRemainingAsBytes();
    int nl = indexOf(input, (byte) '\n');
    String header = nl < 0 ? "orders/orders-1" : new String(input, 0, nl, UTF_8);
    byte[] value = nl < 0 ? input : Arrays.copyOfRange(input, nl + 1, input.length);
    int slash = header.indexOf('/');
    String service = slash < 0 ? header : header.substring(0, slash);
    String keyId = slash < 0 ? "" : header.substring(slash + 1);

    ServiceInstance instance;
    try {
      instance = CODEC.decode(service, "/keel/services/" + service + "/" + keyId, value);
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).isNotBlank();
      return;
    }
    assertThat(instance.service()).isEqualTo(service);
    assertThat(instance.id()).isEqualTo(keyId);
    assertThat(instance.host()).isNotBlank();
    assertThat(instance.port()).isBetween(1, 65_535);
    assertThat(instance.weight()).isBetween(0, ServiceInstance.MAX_WEIGHT);
    assertThat(instance.metadata().keySet()).allSatisfy(k -> assertThat(k).isNotEmpty());

    if (wellFormed(instance)) {
      assertThat(CODEC.decode(service, CODEC.key(instance), CODEC.encode(instance))).isEqualTo(instance);
    }
  }

  private static int indexOf(byte[] b, byte x) {
    for (int i = 0; i < b.length; i++) {
      if (b[i] == x) {
        return i;
      }
    }
    return -1;
  }

  /** JSON escapes can make strings with unpaired surrogates, which no UTF-8 encoder writes back. */
  static boolean wellFormed(ServiceInstance i) {
    StringBuilder all = new StringBuilder(i.id()).append(i.host());
    i.metadata().forEach((k, v) -> all.append(k).append(v));
    String s = all.toString();
    return s.equals(new String(s.getBytes(UTF_8), UTF_8));
  }
}
