package dev.keel.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class RegistryLimitsTest {
  private static ServiceInstance instance(String id, Map<String, String> metadata) {
    return ServiceInstance.builder().service("orders").id(id).host("10.0.0.7").port(8080).metadata(metadata).build();
  }

  @Test
  void metadataCountsKeysValuesAndTheIdButNotBlankOnes() {
    assertThat(RegistryLimits.metadataChars(instance("o-1", Map.of()))).isEqualTo(3);
    assertThat(RegistryLimits.metadataChars(instance("o-1", Map.of("zone", "eu-1")))).isEqualTo(3 + 4 + 4);
    assertThat(RegistryLimits.metadataChars(instance("o-1", Map.of("empty", "", "blank", "   "))))
        .as("blank values count nothing, as Nacos counts them").isEqualTo(3 + 5 + 5);
    assertThat(RegistryLimits.metadataChars(instance("o-1", Map.of("描述", "🚀"))))
        .as("UTF-16 units, as String.length and Nacos count").isEqualTo(3 + 2 + 2);
  }

  @Test
  void anInstanceAtTheLimitPassesAndOneCharacterMoreIsRefusedNamingFieldSizeAndLimit() {
    RegistryLimits limits = RegistryLimits.maxMetadataChars(20);
    ServiceInstance atLimit = instance("o-1", Map.of("k", "v".repeat(16)));
    assertThat(RegistryLimits.metadataChars(atLimit)).isEqualTo(20);
    assertThatCode(() -> limits.check(atLimit)).doesNotThrowAnyException();
    assertThatThrownBy(() -> limits.check(instance("o-1", Map.of("k", "v".repeat(17)))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("metadata of orders/o-1: 21 characters (expected: at most 20, counting keys, values and the id)");
  }

  @Test
  void noLimitsRefuseNothing() {
    assertThat(RegistryLimits.none().limitsMetadata()).isFalse();
    assertThatCode(() -> RegistryLimits.none().check(instance("o-1", Map.of("k", "v".repeat(100_000)))))
        .doesNotThrowAnyException();
    assertThat(RegistryLimits.maxMetadataChars(5).limitsMetadata()).isTrue();
  }

  @Test
  void aLimitBelowOneIsRefusedNamingTheValue() {
    assertThatThrownBy(() -> RegistryLimits.maxMetadataChars(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxMetadataChars: 0 (expected: at least 1)");
  }

  @Test
  void theGuardsShowTheAdaptersLimits() {
    RegistryClient raw = new RegistryClient() {
      @Override
      public RegistryLimits limits() {
        return RegistryLimits.maxMetadataChars(1017);
      }

      @Override
      public Registration register(ServiceInstance instance) {
        throw new UnsupportedOperationException();
      }

      @Override
      public InstanceSet resolve(String service) {
        return InstanceSet.empty(service);
      }

      @Override
      public Subscription watch(String service, Consumer<InstanceSet> listener) {
        return () -> { };
      }

      @Override
      public void close() {}
    };
    try (RegistryClient guarded = Registries.guard(raw, RegistryOptions.defaults())) {
      assertThat(guarded.limits()).isEqualTo(RegistryLimits.maxMetadataChars(1017));
    }
    try (RegistryClient memory = Registries.open("memory://limits-test")) {
      assertThat(memory.limits()).isEqualTo(RegistryLimits.none());
    }
  }
}
