package dev.keel.registry;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RegistriesTest {
  @Test
  void unknownSchemeNamesTheSchemeAndTheKnownOnes() {
    assertThatThrownBy(() -> Registries.open("consul://h:8500"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'consul'").hasMessageContaining("memory").hasMessageContaining("static");
  }

  @Test
  void unknownCommonParameterIsRejected() {
    assertThatThrownBy(() -> Registries.open("memory://x?bogus=1")).hasMessageContaining("'bogus'");
  }

  @Test
  void commonParametersAreAccepted() {
    try (RegistryClient c = Registries.open("memory://params?empty-confirm=1s&empty-protection=false&resolve-timeout=2s")) {
      assertThat(c.resolve("s").isEmpty()).isTrue();
    }
  }

  @Test
  void staticRegistryResolvesEveryServiceToItsListAndRefusesRegistration() {
    try (RegistryClient c = Registries.open("static://127.0.0.1:9001;weight=5;zone=a,127.0.0.1:9002")) {
      InstanceSet set = c.resolve("demo");
      assertThat(set.instances()).extracting(ServiceInstance::address).containsExactly("127.0.0.1:9001", "127.0.0.1:9002");
      ServiceInstance first = requireNonNull(set.get("127.0.0.1:9001"));
      assertThat(first.weight()).isEqualTo(5);
      assertThat(first.metadata()).containsEntry("zone", "a");
      assertThat(set.instances()).allSatisfy(i -> assertThat(i.service()).isEqualTo("demo"));
      assertThatThrownBy(() -> c.register(ServiceInstance.builder().service("demo").host("h").port(1).build()))
          .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("read-only");
    }
  }

  @Test
  void staticEntriesAreValidatedAtOpen() {
    assertThatThrownBy(() -> Registries.open("static://h:70000")).hasMessageContaining("port: 70000");
    assertThatThrownBy(() -> Registries.open("static://h")).hasMessageContaining("port: missing");
    assertThatThrownBy(() -> Registries.open("static://h:1;weight=heavy")).hasMessageContaining("weight: 'heavy'");
    assertThatThrownBy(() -> Registries.open("static://")).hasMessageContaining("hosts");
  }

  @Test
  void memoryClientsOfOneNameShareTheirRegistrations() {
    try (RegistryClient a = Registries.open("memory://shared-name"); RegistryClient b = Registries.open("memory://shared-name")) {
      a.register(ServiceInstance.builder().service("s").host("h").port(1).build());
      assertThat(b.resolve("s").size()).isEqualTo(1);
    }
  }
}
