package dev.keel.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RegistryUriTest {
  @Test
  void parsesHostsPathUserAndParams() {
    RegistryUri u = RegistryUri.parse("zookeeper://alice:s%40cret@zk1:2181,zk2,[::1]:2182/services/x?session-timeout=30s&a=b%20c");
    assertThat(u.scheme()).isEqualTo("zookeeper");
    assertThat(u.username()).isEqualTo("alice");
    assertThat(u.password()).isEqualTo("s@cret");
    assertThat(u.path()).isEqualTo("/services/x");
    assertThat(u.addresses(2181)).extracting(Object::toString).containsExactly("zk1:2181", "zk2:2181", "[::1]:2182");
    assertThat(u.durationParam("session-timeout", Duration.ZERO)).isEqualTo(Duration.ofSeconds(30));
    assertThat(u.param("a")).isEqualTo("b c");
  }

  @Test
  void toStringNeverShowsThePassword() {
    RegistryUri u = RegistryUri.parse("nacos://bob:hunter2@h:8848?secret-key=abc&group=g");
    assertThat(u.toString()).doesNotContain("hunter2").doesNotContain("abc").contains("bob:***@").contains("group=g");
  }

  @Test
  void malformedUrisNameWhatIsWrong() {
    assertThatThrownBy(() -> RegistryUri.parse("localhost:2181")).hasMessageContaining("registry uri: 'localhost:2181'");
    assertThatThrownBy(() -> RegistryUri.parse("zk://h:99999").addresses(2181)).hasMessageContaining("port: 99999");
    assertThatThrownBy(() -> RegistryUri.parse("zk://h:abc").addresses(2181)).hasMessageContaining("port: 'abc'");
    assertThatThrownBy(() -> RegistryUri.parse("zk://h:0").addresses(2181)).hasMessageContaining("port: 0");
    assertThatThrownBy(() -> RegistryUri.parse("zk://a,,b").hostEntries()).hasMessageContaining("hosts");
    assertThatThrownBy(() -> RegistryUri.parse("zk://h?x=1&x=2")).hasMessageContaining("'x': given twice");
  }

  @Test
  void typedParamsNameTheParamAndValue() {
    RegistryUri u = RegistryUri.parse("etcd://h?ttl=soon&n=900&flag=maybe");
    assertThatThrownBy(() -> u.durationParam("ttl", Duration.ZERO)).hasMessageContaining("ttl: 'soon'");
    assertThatThrownBy(() -> u.intParam("n", 1, 1, 10)).hasMessageContaining("n: '900' (expected: an integer 1..10)");
    assertThatThrownBy(() -> u.booleanParam("flag", true)).hasMessageContaining("flag: 'maybe'");
    assertThatThrownBy(() -> u.requireKnownParams(Set.of("ttl", "n")))
        .hasMessageContaining("'flag': unknown for etcd://");
  }

  @Test
  void durationRangesAreCheckedAndEchoTheTypedValue() {
    RegistryUri u = RegistryUri.parse("etcd://h?ttl=0s&big=2d&ok=90s&iso=PT0.5S");
    assertThatThrownBy(() -> u.durationParam("ttl", Duration.ofSeconds(15), Duration.ofSeconds(1), Duration.ofDays(1)))
        .hasMessage("registry uri parameter ttl: '0s' (expected: 1s..1d)");
    assertThatThrownBy(() -> u.durationParam("big", Duration.ofSeconds(15), Duration.ofSeconds(1), Duration.ofDays(1)))
        .hasMessage("registry uri parameter big: '2d' (expected: 1s..1d)");
    assertThat(u.durationParam("ok", Duration.ZERO, Duration.ofSeconds(1), Duration.ofDays(1))).isEqualTo(Duration.ofSeconds(90));
    assertThatThrownBy(() -> u.durationParam("iso", Duration.ZERO, Duration.ofSeconds(1), Duration.ofDays(1)))
        .hasMessage("registry uri parameter iso: 'PT0.5S' (expected: 1s..1d)");
  }

  @Test
  void unknownParametersGetADidYouMean() {
    assertThatThrownBy(() -> RegistryUri.parse("etcd://h?prefx=/keel").requireKnownParams(Set.of("prefix", "ttl")))
        .hasMessageContaining("'prefx': unknown for etcd://").hasMessageContaining("did you mean 'prefix'?");
  }

  @Test
  void durationsInManyForms() {
    assertThat(RegistryUri.parseDuration("d", "500ms")).isEqualTo(Duration.ofMillis(500));
    assertThat(RegistryUri.parseDuration("d", "1.5s")).isEqualTo(Duration.ofMillis(1500));
    assertThat(RegistryUri.parseDuration("d", "2m")).isEqualTo(Duration.ofMinutes(2));
    assertThat(RegistryUri.parseDuration("d", "PT3S")).isEqualTo(Duration.ofSeconds(3));
    assertThat(RegistryUri.parseDuration("d", "1d")).isEqualTo(Duration.ofDays(1));
    assertThatThrownBy(() -> RegistryUri.parseDuration("d", "9999999999d")).hasMessageContaining("at most 106751d");
    assertThatThrownBy(() -> RegistryUri.parseDuration("d", "3")).hasMessageContaining("d: '3'");
  }
}
