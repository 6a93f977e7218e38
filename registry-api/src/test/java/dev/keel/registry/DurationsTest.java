package dev.keel.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The one duration grammar of the YAML config, registry URIs and the demo's command line. */
class DurationsTest {
  @Test
  void readsANumberWithAUnitFromNanosecondsToDays() {
    assertThat(Durations.parse("t", "250ns")).isEqualTo(Duration.ofNanos(250));
    assertThat(Durations.parse("t", "5us")).isEqualTo(Duration.ofNanos(5_000));
    assertThat(Durations.parse("t", "500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("t", "1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(Durations.parse("t", "2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(Durations.parse("t", "3h")).isEqualTo(Duration.ofHours(3));
    assertThat(Durations.parse("t", "1d")).isEqualTo(Duration.ofDays(1));
    assertThat(Durations.parse("t", " 10 S ")).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void readsSeveralGroupsAndIsoForm() {
    assertThat(Durations.parse("t", "1h30m")).isEqualTo(Duration.ofMinutes(90));
    assertThat(Durations.parse("t", "1m 30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(Durations.parse("t", "PT5S")).isEqualTo(Duration.ofSeconds(5));
    assertThat(Durations.parse("t", "pt0.5s")).isEqualTo(Duration.ofMillis(500));
    assertThat(Durations.parse("t", "P1D")).isEqualTo(Duration.ofDays(1));
  }

  @Test
  void zeroNeedsNoUnitButOtherNumbersDo() {
    assertThat(Durations.parse("t", "0")).isZero();
    assertThatThrownBy(() -> Durations.parse("t", "30"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("t: '30' (expected: a duration such as 500ms, 5s, 1m, 1h30m, 1d or PT5S; a number needs a unit)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "s", "5 parsecs", "-5s", "+5s", "5s-", "1e3s", ".5s", "5.s", "1..5s", "5ss", "PT-5S",
      "P-1D", "\u0665s", "5\u00a0s", "0x10s", "NaNs", "Infinitys", "5s5", "PT", "P"})
  void refusesWhatIsNotADuration(String text) {
    assertThatThrownBy(() -> Durations.parse("t", text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("t: '" + text + "' (expected: ");
  }

  @Test
  void overflowIsRefusedNotWrappedOrClamped() {
    assertThat(Durations.parse("t", "106751d")).isEqualTo(Duration.ofDays(106_751));
    for (String big : new String[] {"106752d", "9223372036854775808ns", "99999999999999999999999s", "PT2562047789H",
        "18446744073709551616ms", "1e400s"}) {
      assertThatThrownBy(() -> Durations.parse("t", big)).as(big)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("t: '" + big + "' (expected: ");
    }
    assertThatThrownBy(() -> Durations.parse("t", "106752d")).hasMessageContaining("at most 106751d");
  }

  @Test
  void fractionsFinerThanANanosecondAreRefused() {
    assertThatThrownBy(() -> Durations.parse("t", "0.5ns")).hasMessageContaining("whole nanoseconds");
    assertThat(Durations.parse("t", "0.000000001s")).isEqualTo(Duration.ofNanos(1));
  }

  @Test
  void formatsTheWayOperatorsWriteThem() {
    assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
    assertThat(Durations.format(Duration.ofMillis(500))).isEqualTo("500ms");
    assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
    assertThat(Durations.format(Duration.ofSeconds(30))).isEqualTo("30s");
    assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
    assertThat(Durations.format(Duration.ofMinutes(5))).isEqualTo("5m");
    assertThat(Durations.format(Duration.ofHours(2))).isEqualTo("2h");
    assertThat(Durations.format(Duration.ofDays(1))).isEqualTo("1d");
    assertThat(Durations.format(Duration.ofNanos(1_500))).isEqualTo("1500ns");
  }

  @Test
  void whatIsFormattedParsesBack() {
    for (Duration d : new Duration[] {Duration.ZERO, Duration.ofNanos(7), Duration.ofMillis(1234), Duration.ofDays(106_751)}) {
      assertThat(Durations.parse("t", Durations.format(d))).isEqualTo(d);
    }
  }
}
