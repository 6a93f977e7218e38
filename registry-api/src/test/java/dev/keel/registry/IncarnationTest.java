package dev.keel.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class IncarnationTest {
  private static ServiceInstance instance(String incarnation) {
    return ServiceInstance.builder().service("orders").id("o-1").host("10.0.0.7").port(8080).incarnation(incarnation).build();
  }

  @Test
  void aDiscoveredInstanceEqualsTheOneRegisteredWhateverItsIncarnation() {
    ServiceInstance registered = ServiceInstance.builder().service("orders").id("o-1").host("10.0.0.7").port(8080).build();
    assertThat(registered.incarnation()).isEmpty();
    assertThat(instance("czxid:1f")).isEqualTo(registered).hasSameHashCodeAs(registered);
    assertThat(instance("czxid:1f").toBuilder().build().incarnation()).isEqualTo("czxid:1f");
  }

  @Test
  void aSetWhoseInstanceRegisteredAgainIsAChange() {
    InstanceSet before = InstanceSet.of("orders", List.of(instance("czxid:1f")), 1);
    InstanceSet same = InstanceSet.of("orders", List.of(instance("czxid:1f")), 2);
    InstanceSet again = InstanceSet.of("orders", List.of(instance("czxid:2a")), 3);
    assertThat(same).isEqualTo(before);
    assertThat(again).isNotEqualTo(before);
  }
}
