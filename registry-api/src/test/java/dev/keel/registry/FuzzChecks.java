package dev.keel.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;

/** The invariants the fuzz tests of this module check on what a parser returns or throws. */
public final class FuzzChecks {
  private FuzzChecks() {}

  /** The invariants every {@link ServiceInstance} keeps, whatever built it. */
  public static void valid(ServiceInstance i) {
    assertThat(i.service()).isNotBlank().isEqualTo(i.service().strip());
    assertThat(i.host()).isNotBlank().isEqualTo(i.host().strip()).doesNotContain("/", "[", "]", "@", " ");
    assertThat(i.id()).isNotBlank();
    assertThat(i.port()).isBetween(1, 65_535);
    assertThat(i.weight()).isBetween(0, ServiceInstance.MAX_WEIGHT);
    assertThat(i.metadata().keySet()).allSatisfy(k -> assertThat(k).isNotEmpty());
    assertThat(i.metadata().values()).doesNotContainNull();
  }

  /** {@code e}'s message starts with one of {@code fields} followed by a colon. */
  public static void namesAField(IllegalArgumentException e, String... fields) {
    String message = String.valueOf(e.getMessage());
    assertThat(Arrays.stream(fields).anyMatch(f -> message.startsWith(f + ":")))
        .as("the message names one of %s: %s", Arrays.toString(fields), message)
        .isTrue();
  }
}
