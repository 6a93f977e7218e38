package dev.keel.registry.nacos;

import static org.assertj.core.api.Assertions.assertThat;

import com.alibaba.nacos.api.naming.pojo.Instance;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.keel.registry.InstanceSet;
import dev.keel.registry.ServiceInstance;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Fuzzes {@link InstanceMapping#toKeel}: a valid instance carrying the Nacos ip and port, which maps
 * to Nacos and back unchanged, or null (unhealthy, disabled, other cluster, malformed); never an
 * exception. Input: from the end, the flags, port and weight; from the front, ip, cluster and
 * metadata key/value strings separated by {@code \x}.
 */
class NacosInstanceMappingFuzzTest {
  private static final double[] WEIGHTS = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -1, 0, 0.37, 1, 100.5};

  @FuzzTest(maxDuration = "3s")
  void toKeel(FuzzedDataProvider data) {
    boolean healthy = data.consumeBoolean();
    boolean enabled = data.consumeBoolean();
    boolean nullIp = data.consumeBoolean();
    boolean oneCluster = data.consumeBoolean();
    int port = data.consumeInt();
    double weight = data.consumeBoolean() ? data.pickValue(WEIGHTS) : data.consumeDouble();
    String ip = data.consumeString(64);
    String cluster = data.consumeString(16);
    Map<String, String> metadata = new HashMap<>();
    while (data.remainingBytes() > 0 && metadata.size() < 16) {
      metadata.put(data.consumeString(32), data.consumeBoolean() ? null : data.consumeString(64));
    }
    Instance nacos = new Instance();
    nacos.setIp(nullIp ? null : ip);
    nacos.setPort(port);
    nacos.setWeight(weight);
    nacos.setHealthy(healthy);
    nacos.setEnabled(enabled);
    nacos.setClusterName(cluster);
    nacos.setMetadata(metadata);
    List<String> clusters = oneCluster ? List.of("DEFAULT") : List.of();

    ServiceInstance keel = InstanceMapping.toKeel("orders", nacos, clusters);
    InstanceSet set = InstanceMapping.toSet("orders", Arrays.asList(nacos, null), clusters, 1);
    assertThat(set.instances()).isEqualTo(keel == null ? List.of() : List.of(keel));
    if (keel == null) {
      return;
    }
    assertThat(healthy && enabled).isTrue();
    assertThat(keel.service()).isEqualTo("orders");
    assertThat(nacos.getIp()).isNotNull();
    assertThat(keel.host()).isEqualTo(ip.startsWith("[") && ip.endsWith("]") ? ip.substring(1, ip.length() - 1) : ip);
    assertThat(keel.port()).isEqualTo(port).isBetween(1, 65_535);
    assertThat(keel.weight()).isBetween(0, ServiceInstance.MAX_WEIGHT);
    assertThat(keel.metadata()).doesNotContainKey(InstanceMapping.ID_KEY);
    assertThat(keel.metadata().keySet()).allSatisfy(k -> assertThat(k).isNotEmpty());

    Instance back = InstanceMapping.toNacos(keel, cluster);
    assertThat(InstanceMapping.toKeel("orders", back, List.of())).isEqualTo(keel);
  }
}
