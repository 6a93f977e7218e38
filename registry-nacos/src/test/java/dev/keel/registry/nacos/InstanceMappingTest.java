package dev.keel.registry.nacos;

import static org.assertj.core.api.Assertions.assertThat;

import com.alibaba.nacos.api.naming.pojo.Instance;
import dev.keel.registry.InstanceSet;
import dev.keel.registry.ServiceInstance;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class InstanceMappingTest {
  @Test
  void everyKeelWeightSurvivesTheRoundTripExactly() {
    for (int w = 0; w <= ServiceInstance.MAX_WEIGHT; w++) {
      assertThat(InstanceMapping.toKeelWeight(InstanceMapping.toNacosWeight(w))).as("weight %d", w).isEqualTo(w);
    }
  }

  @Test
  void keelDefaultWeightIsNacosDefaultWeight() {
    assertThat(InstanceMapping.toNacosWeight(ServiceInstance.DEFAULT_WEIGHT)).isEqualTo(1.0);
    assertThat(InstanceMapping.toKeelWeight(1.0)).isEqualTo(ServiceInstance.DEFAULT_WEIGHT);
  }

  @Test
  void foreignNacosWeightsMapToTheNearestKeelWeightWithinRange() {
    assertThat(InstanceMapping.toKeelWeight(0.37)).isEqualTo(37);
    assertThat(InstanceMapping.toKeelWeight(0.374)).isEqualTo(37);
    assertThat(InstanceMapping.toKeelWeight(0.376)).isEqualTo(38);
    assertThat(InstanceMapping.toKeelWeight(0.001)).isEqualTo(0);
    assertThat(InstanceMapping.toKeelWeight(-1)).isEqualTo(0);
    assertThat(InstanceMapping.toKeelWeight(Double.NaN)).isEqualTo(0);
    assertThat(InstanceMapping.toKeelWeight(1e6)).isEqualTo(ServiceInstance.MAX_WEIGHT);
  }

  @Test
  void idAndMetadataTravelThroughNacosAndBack() {
    ServiceInstance keel = ServiceInstance.builder().service("orders").id("orders-1").host("10.0.0.7").port(8080)
        .weight(250).metadata(Map.of("zone", "a", "version", "2")).build();
    Instance nacos = InstanceMapping.toNacos(keel, "c1");
    assertThat(nacos.getWeight()).isEqualTo(2.5);
    assertThat(nacos.isEphemeral()).isTrue();
    assertThat(nacos.getClusterName()).isEqualTo("c1");
    assertThat(nacos.getMetadata()).containsEntry(InstanceMapping.ID_KEY, "orders-1").containsEntry("zone", "a");
    assertThat(InstanceMapping.toKeel("orders", nacos, List.of())).isEqualTo(keel);
  }

  @Test
  void aForeignInstanceGetsHostAndPortAsItsId() {
    Instance nacos = instance("10.0.0.8", 81);
    nacos.setInstanceId("10.0.0.8#81#DEFAULT#DEFAULT_GROUP@@orders");
    ServiceInstance keel = InstanceMapping.toKeel("orders", nacos, List.of());
    assertThat(keel).isNotNull();
    assertThat(keel.id()).isEqualTo("10.0.0.8:81");
    assertThat(keel.metadata()).doesNotContainKey(InstanceMapping.ID_KEY);
  }

  @Test
  void unhealthyDisabledOtherClusterAndMalformedInstancesAreLeftOutOfTheSet() {
    Instance ok = instance("10.0.0.1", 80);
    Instance sick = instance("10.0.0.2", 80);
    sick.setHealthy(false);
    Instance off = instance("10.0.0.3", 80);
    off.setEnabled(false);
    Instance elsewhere = instance("10.0.0.4", 80);
    elsewhere.setClusterName("c2");
    Instance badPort = instance("10.0.0.5", 70_000);
    Instance noHost = instance(" ", 80);
    InstanceSet set = InstanceMapping.toSet("orders", List.of(ok, sick, off, elsewhere, badPort, noHost),
        List.of("DEFAULT"), 7);
    assertThat(set.instances()).extracting(ServiceInstance::host).containsExactly("10.0.0.1");
    assertThat(set.revision()).isEqualTo(7);
    assertThat(InstanceMapping.toSet("orders", List.of(ok, elsewhere), List.of(), 1).size())
        .as("no cluster configured: all clusters").isEqualTo(2);
  }

  private static Instance instance(String ip, int port) {
    Instance i = new Instance();
    i.setIp(ip);
    i.setPort(port);
    i.setWeight(1.0);
    i.setClusterName("DEFAULT");
    i.setMetadata(new HashMap<>());
    return i;
  }

  @Test
  void ofTwoLiveRegistrationsOfOneIdTheNewerIncarnationIsListedWhateverTheOrder() {
    ServiceInstance keel = ServiceInstance.builder().service("orders").id("orders-1").host("10.0.0.7").port(8080).build();
    Instance old = InstanceMapping.toNacos(keel, "c1", Long.toHexString(1_700_000_000_000L) + "-ab");
    Instance restarted = InstanceMapping.toNacos(keel, "c1", Long.toHexString(1_700_000_060_000L) + "-01");
    for (List<Instance> order : List.of(List.of(old, restarted), List.of(restarted, old))) {
      InstanceSet set = InstanceMapping.toSet("orders", order, List.of(), 1);
      assertThat(set.instances()).singleElement()
          .extracting(ServiceInstance::incarnation).isEqualTo(Long.toHexString(1_700_000_060_000L) + "-01");
    }
  }

  @Test
  void aKeelStampOutranksAForeignOneAndForeignStampsCompareAsText() {
    ServiceInstance base = ServiceInstance.builder().service("s").id("i").host("10.0.0.7").port(80).build();
    ServiceInstance keel = base.toBuilder().incarnation("18b1-7f").build();
    ServiceInstance foreign = base.toBuilder().incarnation("zzz").build();
    assertThat(InstanceMapping.newer(keel, foreign)).isSameAs(keel);
    assertThat(InstanceMapping.newer(foreign, keel)).isSameAs(keel);
    ServiceInstance other = base.toBuilder().incarnation("aaa").build();
    assertThat(InstanceMapping.newer(other, foreign)).isSameAs(foreign);
    assertThat(InstanceMapping.newer(foreign, other)).isSameAs(foreign);
  }
}
