package dev.keel.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceInstanceTest {
  private static ServiceInstance.Builder valid() {
    return ServiceInstance.builder().service("orders").host("10.0.0.7").port(8080);
  }

  @Test
  void idDefaultsToHostAndPortAndWeightTo100() {
    ServiceInstance i = valid().build();
    assertThat(i.id()).isEqualTo("10.0.0.7:8080");
    assertThat(i.weight()).isEqualTo(100);
    assertThat(i.metadata()).isEmpty();
  }

  @Test
  void ipv6HostsAreBracketedInTheAddress() {
    ServiceInstance i = ServiceInstance.builder().service("s").host("[::1]").port(80).build();
    assertThat(i.host()).isEqualTo("::1");
    assertThat(i.address()).isEqualTo("[::1]:80");
  }

  @Test
  void emptyOrBlankBracketsAreNoHost() { // found by ServiceInstanceFuzzTest
    assertThatThrownBy(() -> valid().host("[]").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("host: ''");
    assertThatThrownBy(() -> valid().host("[\u2003]").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("host: ");
    assertThatThrownBy(() -> new RegistryUri.Address("[]", 80)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void badPortsNameTheFieldAndValue() {
    assertThatThrownBy(() -> valid().port(0).build()).hasMessage("port: 0 (expected: 1..65535)");
    assertThatThrownBy(() -> valid().port(70000).build()).hasMessage("port: 70000 (expected: 1..65535)");
  }

  @Test
  void badWeightsNameTheFieldAndValue() {
    assertThatThrownBy(() -> valid().weight(-1).build()).hasMessage("weight: -1 (expected: 0..10000)");
    assertThatThrownBy(() -> valid().weight(10_001).build()).hasMessage("weight: 10001 (expected: 0..10000)");
  }

  @Test
  void blankOrMissingFieldsAreRejectedNotNullPointers() {
    assertThatThrownBy(() -> ServiceInstance.builder().host("h").port(1).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("service: null");
    assertThatThrownBy(() -> valid().service("  ").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("service: '  '");
    assertThatThrownBy(() -> ServiceInstance.builder().service("s").port(1).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("host: null");
    assertThatThrownBy(() -> valid().host("a/b").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("host: 'a/b'");
    assertThatThrownBy(() -> valid().id(" x").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("id: ' x'");
    assertThatThrownBy(() -> valid().putMetadata("", "v").build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("metadata key: ''");
  }

  @Test
  void controlCharactersAreShownEscapedInErrors() {
    assertThatThrownBy(() -> valid().service("a\u0000b").build()).hasMessageContaining("a\\u0000b");
  }

  @Test
  void metadataIsImmutableAndCopied() {
    java.util.HashMap<String, String> meta = new java.util.HashMap<>(Map.of("zone", "a"));
    ServiceInstance i = valid().metadata(meta).build();
    meta.put("zone", "b");
    assertThat(i.metadata()).containsEntry("zone", "a");
    assertThatThrownBy(() -> i.metadata().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void equalityCoversEveryField() {
    assertThat(valid().build()).isEqualTo(valid().build()).hasSameHashCodeAs(valid().build());
    assertThat(valid().weight(5).build()).isNotEqualTo(valid().build());
    assertThat(valid().putMetadata("k", "v").build()).isNotEqualTo(valid().build());
    assertThat(valid().build().toBuilder().build()).isEqualTo(valid().build());
  }

  @Test
  void instanceSetsSortByIdDropDuplicatesAndIgnoreRevisionInEquality() {
    ServiceInstance b = valid().id("b").build();
    ServiceInstance a = valid().id("a").build();
    ServiceInstance a2 = valid().id("a").weight(7).build();
    InstanceSet set = InstanceSet.of("orders", List.of(b, a, a2), 5);
    assertThat(set.instances()).containsExactly(a2, b);
    assertThat(set.get("a")).isEqualTo(a2);
    assertThat(set.get("zz")).isNull();
    assertThat(set).isEqualTo(InstanceSet.of("orders", List.of(a2, b), 9));
    assertThat(set.asStale()).isNotEqualTo(set);
    assertThat(set.asStale().stale()).isTrue();
  }

  @Test
  void instanceSetsRejectInstancesOfAnotherService() {
    ServiceInstance other = ServiceInstance.builder().service("users").host("h").port(1).build();
    assertThatThrownBy(() -> InstanceSet.of("orders", List.of(other), 1))
        .hasMessage("instance.service: 'users' (expected: 'orders')");
  }
}
