package dev.keel.registry.nacos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.registry.RegistryLimits;
import dev.keel.registry.ServiceInstance;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Nacos's naming rules as Keel checks them; {@code NacosRulesIntegrationTest} compares them with a real server. */
class NacosRulesTest {
  private static ServiceInstance instance(String service, String id, Map<String, String> metadata) {
    return ServiceInstance.builder().service(service).id(id).host("127.0.0.1").port(9001).metadata(metadata).build();
  }

  @Test
  void serviceNamesNacosRefusesAreRefusedNamingTheRule() {
    assertThatCode(() -> NacosRules.service("orders-v2:grpc.internal_1")).doesNotThrowAnyException();
    assertThatThrownBy(() -> NacosRules.service("my orders")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("service: 'my orders' (expected, for Nacos: no white space, no '@@', not starting with '@', no CJK"
            + " ideographs U+4E00..U+9FA5)");
    assertThatThrownBy(() -> NacosRules.service("@orders")).hasMessageStartingWith("service: '@orders'");
    assertThatThrownBy(() -> NacosRules.service("a@@b")).hasMessageStartingWith("service: 'a@@b'");
    assertThatThrownBy(() -> NacosRules.service("x订单")).hasMessageStartingWith("service: 'x订单'");
    assertThatCode(() -> NacosRules.service("s".repeat(512))).doesNotThrowAnyException();
    assertThatThrownBy(() -> NacosRules.service("s".repeat(513)))
        .hasMessage("service: 513 characters (expected: at most 512 for Nacos)");
  }

  @Test
  void groupsClustersNamespacesAndHostsFollowNacos() {
    assertThatCode(() -> NacosRules.group("KEEL_GROUP:v1.2-a")).doesNotThrowAnyException();
    assertThatThrownBy(() -> NacosRules.group("my group")).hasMessageStartingWith("group: 'my group'");
    assertThatThrownBy(() -> NacosRules.group("a@@b")).hasMessageStartingWith("group: 'a@@b'");
    assertThatThrownBy(() -> NacosRules.group("g".repeat(129))).hasMessageStartingWith("group: 129 characters");
    assertThatCode(() -> NacosRules.cluster("zone-a1")).doesNotThrowAnyException();
    assertThatThrownBy(() -> NacosRules.cluster("zone.a")).hasMessageStartingWith("cluster: 'zone.a'");
    assertThatThrownBy(() -> NacosRules.cluster("zone_a")).as("nacos-client refuses what the server allows")
        .hasMessageStartingWith("cluster: 'zone_a'");
    assertThatCode(() -> NacosRules.namespace("keel-test_ns1")).doesNotThrowAnyException();
    assertThatThrownBy(() -> NacosRules.namespace("prod/eu")).hasMessageStartingWith("namespace: 'prod/eu'");
    assertThatThrownBy(() -> NacosRules.host("主机")).hasMessageStartingWith("host: '主机'");
  }

  @Test
  void theMetadataLimitLeavesRoomForKeelsIdAndIncarnationEntries() {
    String stamp = "18f3a2b4c5d-1a2b3c4d5e6f"; // 24 characters, as a client makes them
    RegistryLimits limits = NacosRules.limits(1024, stamp);
    assertThat(limits.maxMetadataChars()).isEqualTo(1024 - "keel.id".length() - "keel.incarnation".length() - 24);
    assertThat(NacosRules.limits(1024, "").maxMetadataChars()).as("no stamp").isEqualTo(1024 - "keel.id".length());
    // 1024 as Nacos counts: "keel.id" (7) + "i-1" (3) + "keel.incarnation" (16) + the stamp (24) + "k" (1) + 973
    ServiceInstance atTheLimit = instance("orders", "i-1", Map.of("k", "v".repeat(973)));
    assertThatCode(() -> NacosRules.check(atTheLimit, limits)).doesNotThrowAnyException();
    assertThatThrownBy(() -> NacosRules.check(instance("orders", "i-1", Map.of("k", "v".repeat(974))), limits))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("metadata of orders/i-1: 978 characters (expected: at most 977, counting keys, values and the id)");
  }

  @Test
  void aRegistrationNacosWouldRefuseIsRefusedBeforeAnythingIsSent() {
    assertThatThrownBy(() -> NacosRules.check(instance("bad name", "i-1", Map.of()), NacosRules.limits(1024, "")))
        .hasMessageStartingWith("service: 'bad name'");
  }
}
