package dev.keel.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ServiceTemplateTest {
  @Test
  void fixedNameIsTakenAsItIs() {
    ServiceTemplate t = ServiceTemplate.parse("orders");

    assertThat(t.fixedName()).isEqualTo("orders");
    assertThat(t.source()).isNull();
  }

  @Test
  void hostPlaceholderTakesTheLabelLowerCasedWithoutPortOrTrailingDot() {
    ServiceTemplate first = ServiceTemplate.parse("{host.0}");
    ServiceTemplate second = ServiceTemplate.parse("{host.1}-api");

    String host = "Orders.EU.svc.local.:8080";
    int end = HostPattern.hostEnd(host);
    assertThat(first.fromHost(host, end)).isEqualTo("orders");
    assertThat(second.fromHost(host, end)).isEqualTo("eu-api");
    assertThat(ServiceTemplate.parse("{host.4}").fromHost(host, end)).as("no fifth label").isNull();
  }

  @Test
  void pathPlaceholderTakesTheSegmentAsSentAndSaysWhereItEnds() {
    ServiceTemplate t = ServiceTemplate.parse("{path.0}");
    ServiceTemplate second = ServiceTemplate.parse("{path.1}");

    long s = t.pathSegment("/Orders/v1/x?y=/z");
    assertThat(t.fromPath("/Orders/v1/x?y=/z", s)).isEqualTo("Orders");
    assertThat((int) s).as("end of the segment").isEqualTo(7);
    assertThat(second.fromPath("/orders/v1?x", second.pathSegment("/orders/v1?x"))).isEqualTo("v1");
    assertThat(t.pathSegment("/")).as("no segment").isEqualTo(-1);
    assertThat(t.pathSegment("//orders")).as("an empty segment").isEqualTo(-1);
    assertThat(t.pathSegment("/?a/b")).isEqualTo(-1);
    assertThat(second.pathSegment("/orders?x/y")).as("a query is not a segment").isEqualTo(-1);
    assertThat(t.pathSegment("*")).isEqualTo(-1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"orders", "a", "Orders-V2", "svc_1.internal", "0abc"})
  void validNames(String name) {
    assertThat(ServiceTemplate.validName(name)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", ".", "..", ".hidden", "-x", "_x", "a/b", "%2e%2e", "a%2Fb", "group@@svc", "a:b", "a b",
      "a\u0000", "caf\u00e9", "\u0131nt"})
  void namesARequestMayNotChooseAreInvalid(String name) {
    assertThat(ServiceTemplate.validName(name)).isFalse();
  }

  @Test
  void nameLongerThanTheLimitIsInvalid() {
    assertThat(ServiceTemplate.validName("a".repeat(ServiceTemplate.MAX_NAME))).isTrue();
    assertThat(ServiceTemplate.validName("a".repeat(ServiceTemplate.MAX_NAME + 1))).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"{hots.0}", "{host}", "{host.x}", "{host.16}", "{path.0}{host.0}", "{path.0", "path.0}",
      "a/{path.0}", "{ path.0 }", "   "})
  void invalidTemplatesAreRefusedNamingTheValue(String bad) {
    assertThatThrownBy(() -> ServiceTemplate.parse(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'" + bad + "'")
        .hasMessageContaining("expected: a service name, or one of {host.N}, {path.N}");
  }
}
