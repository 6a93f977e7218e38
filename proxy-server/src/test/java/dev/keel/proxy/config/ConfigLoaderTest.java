package dev.keel.proxy.config;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.proxy.upstream.UpstreamPicker;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigLoaderTest {
  private static final Map<String, String> ENV = Map.of("REG", "static://127.0.0.1:9001", "PORT", "8081", "EMPTY", "");

  private static ProxyConfig parse(String yaml) {
    return new ConfigLoader(ENV::get).parse(yaml, null);
  }

  private static final String MINIMAL = "registry: static://127.0.0.1:9001\n"
      + "listeners:\n"
      + "  - name: web\n"
      + "    listen: 127.0.0.1:8080\n"
      + "    service: demo\n";

  @Test
  void minimalConfigGetsEveryDefault() {
    ProxyConfig c = parse(MINIMAL);
    assertThat(c.registry()).isEqualTo("static://127.0.0.1:9001");
    assertThat(c.admin().listen()).isEqualTo(new HostPort("127.0.0.1", 9901));
    assertThat(c.admin().token()).isNull();
    ListenerConfig l = c.listeners().get(0);
    assertThat(l.protocol()).isEqualTo("http");
    assertThat(l.policy()).isEqualTo("round-robin");
    assertThat(l.persistence().type()).isEqualTo("none");
    assertThat(l.timeouts()).isEqualTo(ListenerConfig.Timeouts.defaults());
    assertThat(l.limits()).isEqualTo(ListenerConfig.Limits.defaults());
    assertThat(l.health().passive().consecutiveFailures()).isEqualTo(5);
    assertThat(l.tls()).isNull();
  }

  @Test
  void fullDesignSketchParses() {
    ProxyConfig c = parse("registry: zookeeper://127.0.0.1:2181/services\n"
        + "admin: { listen: 127.0.0.1:9901, token: t0k }\n"
        + "listeners:\n"
        + "  - name: web\n"
        + "    listen: 0.0.0.0:8080\n"
        + "    protocol: http\n"
        + "    service: demo\n"
        + "    policy: least-response-time\n"
        + "    persistence: { type: lb-cookie, cookie: KEEL }\n"
        + "    health: { active: { interval: 5s, timeout: 1s, path: /health, rise: 2, fall: 3 },\n"
        + "              passive: { consecutive-failures: 5, ejection: 30s } }\n"
        + "    timeouts: { connect: 1s, request: 30s, idle: 60s }\n"
        + "    rebalance: { tolerance: 0.10, settle: 5s, max-shed-per-second: 50 }\n"
        + "    trusted-proxies: [ 10.0.0.0/8, '::1' ]\n"
        + "    limits: { max-header-size: 32k, max-uri-length: 4k, max-body: 10m }\n"
        + "    retries: { attempts: 1 }\n");
    ListenerConfig l = c.listeners().get(0);
    assertThat(l.policy()).isEqualTo("least-response-time");
    assertThat(l.persistence()).isEqualTo(new ListenerConfig.Persistence("lb-cookie", "KEEL"));
    ListenerConfig.Health.Active active = requireNonNull(l.health().active());
    assertThat(active.path()).isEqualTo("/health");
    assertThat(active.interval()).isEqualTo(Duration.ofSeconds(5));
    assertThat(l.rebalance().maxShedPerSecond()).isEqualTo(50);
    assertThat(l.limits()).isEqualTo(new ListenerConfig.Limits(32 * 1024, 4 * 1024, 10L * 1024 * 1024));
    assertThat(l.retries().attempts()).isEqualTo(1);
    assertThat(c.admin().token()).isEqualTo("t0k");
    assertThat(c.admin().toString()).doesNotContain("t0k");
  }

  @Test
  void trustedProxiesMatchTheirBlocks() throws Exception {
    ListenerConfig l = parse(MINIMAL + "    trusted-proxies: [ 10.0.0.0/8, 192.168.1.7 ]\n").listeners().get(0);
    assertThat(l.trusts(InetAddress.getByName("10.200.3.4"))).isTrue();
    assertThat(l.trusts(InetAddress.getByName("192.168.1.7"))).isTrue();
    assertThat(l.trusts(InetAddress.getByName("192.168.1.8"))).isFalse();
    assertThat(l.trusts(InetAddress.getByName("::1"))).isFalse();
  }

  @Test
  void environmentVariablesAreInterpolatedWithDefaults() {
    ProxyConfig c = parse("registry: ${REG}\nlisteners:\n  - name: web\n    listen: 127.0.0.1:${PORT}\n"
        + "    service: ${SERVICE:-fallback}\n    persistence: { type: lb-cookie, cookie: \"${EMPTY:-K}\" }\n");
    assertThat(c.registry()).isEqualTo("static://127.0.0.1:9001");
    assertThat(c.listeners().get(0).listen().port()).isEqualTo(8081);
    assertThat(c.listeners().get(0).service()).isEqualTo("fallback");
    assertThat(c.listeners().get(0).persistence().cookie()).isEqualTo("K");
  }

  @Test
  void unsetEnvironmentVariableNamesLineKeyAndVariable() {
    assertThatThrownBy(() -> parse("registry: ${NOPE}\nlisteners: []\n"))
        .hasMessage("line 1: registry: environment variable NOPE is not set (expected: set it, or write ${NOPE:-default})");
  }

  @Test
  void unknownKeyIsAnErrorWithDidYouMean() {
    assertThatThrownBy(() -> parse(MINIMAL + "    tmeouts: { connect: 1s }\n"))
        .hasMessage("line 6: listeners[0].tmeouts: unknown key; did you mean 'timeouts'?");
  }

  @Test
  void unknownTopLevelKeyListsTheKnownOnes() {
    assertThatThrownBy(() -> parse(MINIMAL + "zzz: 1\n"))
        .hasMessageStartingWith("line 6: zzz: unknown key (expected one of: ")
        .hasMessageContaining("listeners");
  }

  @Test
  void badDurationNamesWhatWasExpected() {
    assertThatThrownBy(() -> parse(MINIMAL + "    timeouts: { connect: 5 parsecs }\n"))
        .hasMessage("line 6: listeners[0].timeouts.connect: '5 parsecs' (expected: a duration such as 500ms, 5s, 1m, 1h30m,"
            + " 1d or PT5S; units: ns, us, ms, s, m, h, d)");
  }

  @Test
  void appCookiesInsertCookieMustDifferFromTheApplicationsCookie() {
    assertThat(parse(MINIMAL + "    persistence: { type: app-cookie, cookie: SID }\n").listeners().get(0).persistence()
        .insertCookie()).isEqualTo("KEEL_ROUTE");
    assertThatThrownBy(() -> parse(MINIMAL + "    persistence: { type: app-cookie, cookie: SID, insert-cookie: SID }\n"))
        .hasMessage("line 6: listeners[0].persistence.insert-cookie: 'SID' is also persistence.cookie (expected: another"
            + " name: the proxy's cookie for answers that set no 'SID')");
  }

  @Test
  void clientIpStrictModeHasNoLoadBoundAndTheBoundIsSettableOtherwise() {
    ListenerConfig.ClientIp d = parse(MINIMAL + "    persistence: { type: client-ip }\n").listeners().get(0).persistence().clientIp();
    assertThat(d).isEqualTo(new ListenerConfig.ClientIp(List.of("client-ip", "x-forwarded-for"), false, 1.25));
    ListenerConfig strict = parse(MINIMAL + "    persistence: { type: client-ip, strict: true, client-ip-headers: [ X-Real-IP ] }\n")
        .listeners().get(0);
    assertThat(strict.persistence().clientIp().headers()).containsExactly("x-real-ip");
    assertThat(UpstreamPicker.config(strict).hashBalanceFactor()).isZero();
    ListenerConfig bounded = parse(MINIMAL + "    persistence: { type: client-ip, hash-balance-factor: 2 }\n").listeners().get(0);
    assertThat(UpstreamPicker.config(bounded).hashBalanceFactor()).isEqualTo(2.0);
    assertThat(UpstreamPicker.config(bounded).policy()).isEqualTo("ring-hash");

    assertThatThrownBy(() -> parse(MINIMAL + "    persistence: { type: client-ip, hash-balance-factor: 0.5 }\n"))
        .hasMessage("line 6: listeners[0].persistence.hash-balance-factor: 0.5 (expected: 0 for no load bound, or at least 1.0)");
    assertThatThrownBy(() -> parse(MINIMAL + "    persistence: { type: client-ip, strict: true, hash-balance-factor: 2 }\n"))
        .hasMessageStartingWith("line 6: listeners[0].persistence.hash-balance-factor: 2.0 with strict: true");
    assertThatThrownBy(() -> parse(MINIMAL + "    persistence: { type: client-ip, client-ip-headers: [ Host ] }\n"))
        .hasMessageContaining("listeners[0].persistence.client-ip-headers").hasMessageContaining("'Host'");
  }

  @Test
  void badEnumValueSuggestsTheClosest() {
    assertThatThrownBy(() -> parse(MINIMAL + "    policy: round-robbin\n"))
        .hasMessageStartingWith("line 6: listeners[0].policy: 'round-robbin' (expected one of: least-request, least-response-time,"
            + " random, ring-hash, round-robin)")
        .hasMessageEndingWith("did you mean 'round-robin'?");
  }

  @Test
  void missingRequiredKeyIsNamed() {
    assertThatThrownBy(() -> parse("registry: static://a:1\nlisteners:\n  - name: web\n    listen: 127.0.0.1:1\n"))
        .hasMessageStartingWith("line 3: listeners[0].service: missing (expected: ");
  }

  @Test
  void missingListenersIsAnError() {
    assertThatThrownBy(() -> parse("registry: static://a:1\n")).hasMessageContaining("listeners: missing or empty");
  }

  @Test
  void badAddressIsNamed() {
    assertThatThrownBy(() -> parse(MINIMAL.replace("127.0.0.1:8080", "localhost")))
        .hasMessage("line 4: listeners[0].listen: 'localhost' (expected: host:port)");
  }

  @Test
  void outOfRangeIntegerIsNamed() {
    assertThatThrownBy(() -> parse(MINIMAL + "    retries: { attempts: 99 }\n"))
        .hasMessage("line 6: listeners[0].retries.attempts: '99' (expected: an integer in 0..10)");
  }

  @Test
  void badSizeIsNamed() {
    assertThatThrownBy(() -> parse(MINIMAL + "    limits: { max-body: lots }\n"))
        .hasMessage("line 6: listeners[0].limits.max-body: 'lots' (expected: a size like 8192, 8k, 1m, 1g)");
  }

  @Test
  void wrongShapeIsNamed() {
    assertThatThrownBy(() -> parse(MINIMAL + "    timeouts: 5s\n"))
        .hasMessage("line 6: listeners[0].timeouts: '5s' (expected: a mapping of keys)");
  }

  @Test
  void duplicateKeyIsAnError() {
    assertThatThrownBy(() -> parse(MINIMAL + "    service: other\n"))
        .hasMessage("line 6: listeners[0].service: duplicate key (first on line 5)");
  }

  @Test
  void duplicateListenerNameIsAnError() {
    assertThatThrownBy(() -> parse(MINIMAL + "  - name: web\n    listen: 127.0.0.1:8081\n    service: demo\n"))
        .hasMessage("line 6: listeners[1].name: 'web' is used by another listener (expected: unique names)");
  }

  @Test
  void invalidYamlNamesTheLine() {
    assertThatThrownBy(() -> parse("registry: [unclosed\nlisteners: x\n"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("not valid YAML");
  }

  @Test
  void badTrustedProxyIsNamed() {
    assertThatThrownBy(() -> parse(MINIMAL + "    trusted-proxies: [ proxy.internal ]\n"))
        .hasMessage("line 6: listeners[0].trusted-proxies[0]: 'proxy.internal' (expected: an address or block like 10.0.0.0/8,"
            + " 192.168.1.7 or 2001:db8::/32)");
  }

  @Test
  void tcpProtocolIsAcceptedByTheParser() {
    assertThat(parse(MINIMAL + "    protocol: tcp\n").listeners().get(0).protocol()).isEqualTo("tcp");
  }

  @Test
  void tlsNeedsCertAndKey() {
    assertThatThrownBy(() -> parse(MINIMAL + "    tls: { cert: /x.pem }\n"))
        .hasMessageStartingWith("line 6: listeners[0].tls.key: missing");
  }

  @Test
  void toStringHidesRegistryCredentials() {
    ProxyConfig c = parse(MINIMAL.replace("static://127.0.0.1:9001", "etcd://root:hunter2@127.0.0.1:2379"));
    assertThat(c.toString()).doesNotContain("hunter2").contains("127.0.0.1:2379");
  }
}
