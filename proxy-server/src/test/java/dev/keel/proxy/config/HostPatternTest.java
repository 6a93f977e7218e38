package dev.keel.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class HostPatternTest {
  @Test
  void exactNameMatchesInAnyCaseWithOrWithoutTheTrailingDot() {
    HostPattern p = HostPattern.parse("Api.Example.com");

    assertThat(p.matches("api.example.com")).isTrue();
    assertThat(p.matches("API.EXAMPLE.COM")).isTrue();
    assertThat(p.matches("api.example.com.")).isTrue();
    assertThat(p.matches("api.example.co")).isFalse();
    assertThat(p.matches("xapi.example.com")).isFalse();
    assertThat(p.matches("www.api.example.com")).isFalse();
    assertThat(p.toString()).isEqualTo("api.example.com");
  }

  @Test
  void wildcardStandsForOneOrMoreWholeLabelsNeverForTheSuffixAlone() {
    HostPattern p = HostPattern.parse("*.svc.local");

    assertThat(p.matches("orders.svc.local")).isTrue();
    assertThat(p.matches("a.b.svc.local")).isTrue();
    assertThat(p.matches("ORDERS.SVC.LOCAL.")).isTrue();
    assertThat(p.matches("svc.local")).isFalse();
    assertThat(p.matches(".svc.local")).isFalse();
    assertThat(p.matches("xsvc.local")).isFalse();
    assertThat(p.matches("orders.svc.local.evil.com")).isFalse();
  }

  @Test
  void portIsNotPartOfTheMatch() {
    HostPattern p = HostPattern.parse("api.example.com");
    String host = "api.example.com:8443";

    assertThat(HostPattern.hostEnd(host)).isEqualTo(15);
    assertThat(p.matches(host, 0, HostPattern.hostEnd(host))).isTrue();
    assertThat(HostPattern.hostEnd("[::1]:8080")).isEqualTo(5);
    assertThat(HostPattern.parse("[::1]").matches("[::1]:8080", 0, 5)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "*", "*.", "a..b", "api.*.com", "**.a", "a b", "a/b", "a:80", "*example.com", "ex@mple.com", "[zz]"})
  void invalidPatternsAreRefusedNamingTheValue(String bad) {
    assertThatThrownBy(() -> HostPattern.parse(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + bad + "'")
        .hasMessageContaining("expected: a host name like api.example.com, or a wildcard like *.example.com");
  }
}
