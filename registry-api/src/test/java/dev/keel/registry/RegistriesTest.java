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
  void aMisspeltSchemeGetsADidYouMean() {
    assertThatThrownBy(() -> Registries.open("memroy://x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'memroy'").hasMessageContaining("did you mean 'memory'?");
    assertThatThrownBy(() -> Registries.validate("sttaic://127.0.0.1:1"))
        .hasMessageContaining("did you mean 'static'?");
  }

  @Test
  void aMisspeltParameterGetsADidYouMean() {
    assertThatThrownBy(() -> Registries.validate("memory://x?empty-confrim=1s"))
        .hasMessageContaining("'empty-confrim'").hasMessageContaining("did you mean 'empty-confirm'?");
  }

  @Test
  void validateRefusesWhatOpenRefusesWithoutOpeningAnything() {
    assertThatThrownBy(() -> Registries.validate("static://h:70000")).hasMessageContaining("port: 70000");
    assertThatThrownBy(() -> Registries.validate("static://h:1;weight=heavy")).hasMessageContaining("weight: 'heavy'");
    assertThatThrownBy(() -> Registries.validate("memory://x?resolve-timeout=0s"))
        .hasMessageContaining("resolve-timeout: '0s'").hasMessageNotContaining("PT0S");
    assertThatThrownBy(() -> Registries.validate("memory://x/path")).hasMessageContaining("path");
    assertThatThrownBy(() -> Registries.validate("consul://h:8500")).hasMessageContaining("'consul'");
    Registries.validate("static://127.0.0.1:9001,127.0.0.1:9002?resolve-timeout=1d");
    Registries.validate("memory://never-opened-" + System.nanoTime() + "?empty-confirm=PT5S");
  }

  @Test
  void durationParametersEchoWhatWasTyped() {
    assertThatThrownBy(() -> Registries.open("memory://x?resolve-timeout=0ms"))
        .hasMessage("registry uri parameter resolve-timeout: '0ms' (expected: above 0s)");
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
