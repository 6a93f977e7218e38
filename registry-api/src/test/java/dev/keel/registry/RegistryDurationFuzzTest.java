package dev.keel.registry;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.time.Duration;

/**
 * Fuzzes {@link RegistryUri#parseDuration}: a non-negative duration, which its ISO-8601 form parses
 * back to, or an {@link IllegalArgumentException} naming the field. Input: the text.
 */
class RegistryDurationFuzzTest {
  @FuzzTest(maxDuration = "5s")
  void parseDuration(FuzzedDataProvider data) {
    String text = data.consumeRemainingAsString();
    Duration d;
    try {
      d = RegistryUri.parseDuration("timeout", text);
    } catch (IllegalArgumentException e) {
      assertThat(e.getMessage()).startsWith("timeout: ");
      return;
    }
    assertThat(d.isNegative()).as("negative: %s", d).isFalse();
    assertThat(RegistryUri.parseDuration("timeout", d.toString())).isEqualTo(d);
  }
}
