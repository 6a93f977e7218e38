package dev.keel.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DemoOptionsTest {
  @Test
  void defaultsToTheInJvmZooKeeperUntilCtrlC() {
    DemoOptions o = DemoOptions.parse();
    assertThat(o.registry()).isNull();
    assertThat(o.duration()).isNull();
    assertThat(o.help()).isFalse();
  }

  @Test
  void takesRegistryAndDurationInBothForms() {
    DemoOptions o = DemoOptions.parse("--registry", "etcd://127.0.0.1:2379", "--duration=2m");
    assertThat(o.registry()).isEqualTo("etcd://127.0.0.1:2379");
    assertThat(o.duration()).isEqualTo(Duration.ofMinutes(2));
    assertThat(DemoOptions.parse("--registry=zookeeper://127.0.0.1:2181/services?session-timeout=5s").registry())
        .isEqualTo("zookeeper://127.0.0.1:2181/services?session-timeout=5s");
  }

  @Test
  void readsDurations() {
    assertThat(DemoOptions.parseDuration("30s")).isEqualTo(Duration.ofSeconds(30));
    assertThat(DemoOptions.parseDuration("1m30s")).isEqualTo(Duration.ofSeconds(90));
    assertThat(DemoOptions.parseDuration("1d")).isEqualTo(Duration.ofDays(1));
    assertThat(DemoOptions.parseDuration("15000ms")).isEqualTo(Duration.ofSeconds(15));
    assertThat(DemoOptions.parseDuration("PT1M")).isEqualTo(Duration.ofMinutes(1));
    assertThat(DemoOptions.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void rejectsWhatCannotWork() {
    assertThatThrownBy(() -> DemoOptions.parse("--duration", "5s")).hasMessageContaining("at least 12s");
    assertThatThrownBy(() -> DemoOptions.parse("--duration", "soon")).hasMessageContaining("'soon'");
    // one grammar with the config and registry URIs: a bare number has no unit, overflow is refused
    assertThatThrownBy(() -> DemoOptions.parse("--duration", "90")).hasMessageContaining("--duration: '90'")
        .hasMessageContaining("a number needs a unit");
    assertThatThrownBy(() -> DemoOptions.parse("--duration", "9999999999h")).hasMessageContaining("at most 106751d");
    assertThatThrownBy(() -> DemoOptions.parse("--duration")).hasMessageContaining("missing value");
    assertThatThrownBy(() -> DemoOptions.parse("--registry", "memory://x")).hasMessageContaining("one JVM");
    assertThatThrownBy(() -> DemoOptions.parse("--verbose")).hasMessageContaining("unknown argument: '--verbose'");
  }

  @Test
  void placesTheKillWindowAfterTheKill() {
    assertThat(Script.inKillWindow(7_000, 7_000)).isTrue();
    assertThat(Script.inKillWindow(11_999, 7_000)).isTrue();
    assertThat(Script.inKillWindow(12_000, 7_000)).isFalse();
    assertThat(Script.inKillWindow(6_999, 7_000)).isFalse();
    assertThat(Script.inKillWindow(8_000, -1)).as("no kill yet").isFalse();
    assertThat(new Script(Duration.ofSeconds(40)).events()).extracting(Script.Event::at)
        .containsExactly(Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(28));
  }
}
