package dev.keel.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A listener's routes and services as the loader reads them: merged overrides, and what check refuses. */
class ConfigLoaderRoutesTest {
  private static final String HEAD = "registry: static://127.0.0.1:9001\n"
      + "listeners:\n"
      + "  - name: gw\n"
      + "    listen: 127.0.0.1:8080\n";

  private static ListenerConfig listener(String lines) {
    return new ConfigLoader(Map.<String, String>of()::get).parse(HEAD + lines, null).listeners().get(0);
  }

  private static void refused(String lines, String message) {
    assertThatThrownBy(() -> listener(lines)).isInstanceOf(ConfigException.class).hasMessage(message);
  }

  @Test
  void routesAreReadInOrderWithTheirMatchKeysAndService() {
    ListenerConfig l = listener("    routes:\n"
        + "      - host: Api.Example.com\n"
        + "        service: orders\n"
        + "      - name: canary\n"
        + "        host: \"*.svc.local\"\n"
        + "        path-prefix: /v2/\n"
        + "        method: [GET, HEAD]\n"
        + "        header: { name: X-Canary, value: \"1\" }\n"
        + "        service: \"{host.0}\"\n"
        + "      - path-prefix: /\n"
        + "        method: POST\n"
        + "        header: { name: X-Trace }\n"
        + "        service: \"{path.0}\"\n"
        + "        strip-prefix: true\n");

    assertThat(l.service()).isNull();
    assertThat(l.routes()).extracting(RouteConfig::name).containsExactly("routes[0]", "canary", "routes[2]");
    RouteConfig canary = l.routes().get(1);
    assertThat(canary.match()).isEqualTo(new RouteConfig.Match(HostPattern.parse("*.svc.local"), PathPrefix.parse("/v2"),
        List.of("GET", "HEAD"), new RouteConfig.Header("x-canary", "1"), null));
    assertThat(canary.service().source()).isEqualTo(ServiceTemplate.Source.HOST);
    assertThat(l.routes().get(0).match().host()).hasToString("api.example.com");
    RouteConfig last = l.routes().get(2);
    assertThat(last.match().methods()).containsExactly("POST");
    assertThat(last.match().header()).isEqualTo(new RouteConfig.Header("x-trace", null));
    assertThat(last.stripPrefix()).isTrue();
    assertThat(l.services()).isEqualTo(ServicesConfig.defaults());
  }

  @Test
  void routeOverridesAreMergedKeyByKeyOntoTheListenersSettings() {
    ListenerConfig l = listener("    policy: least-request\n"
        + "    persistence: { type: lb-cookie, cookie: GW }\n"
        + "    timeouts: { connect: 2s, request: 20s, idle: 90s }\n"
        + "    retries: { attempts: 1 }\n"
        + "    health: { active: { interval: 3s, path: /health }, passive: { consecutive-failures: 7, ejection: 10s } }\n"
        + "    routes:\n"
        + "      - path-prefix: /slow\n"
        + "        service: reports\n"
        + "        policy: least-response-time\n"
        + "        persistence: { type: app-cookie }\n"
        + "        timeouts: { request: 2m }\n"
        + "        retries: { attempts: 0 }\n"
        + "        health: { active: { rise: 1 }, passive: { ejection: 1m } }\n"
        + "      - path-prefix: /\n"
        + "        service: web\n");

    RouteConfig slow = l.routes().get(0);
    assertThat(slow.policy()).isEqualTo("least-response-time");
    assertThat(slow.persistence()).isEqualTo(new ListenerConfig.Persistence("app-cookie", "GW"));
    assertThat(slow.timeouts().request()).isEqualTo(Duration.ofMinutes(2));
    assertThat(slow.timeouts().connect()).as("not overridden: the listener's").isEqualTo(Duration.ofSeconds(2));
    assertThat(slow.timeouts().idle()).isEqualTo(Duration.ofSeconds(90));
    assertThat(slow.retries().attempts()).isZero();
    assertThat(slow.health().active()).isEqualTo(new ListenerConfig.Health.Active(Duration.ofSeconds(3), Duration.ofSeconds(1),
        "/health", 1, 3));
    assertThat(slow.health().passive().consecutiveFailures()).isEqualTo(7);
    assertThat(slow.health().passive().ejection()).isEqualTo(Duration.ofMinutes(1));
    RouteConfig web = l.routes().get(1);
    assertThat(web.policy()).isEqualTo("least-request");
    assertThat(web.timeouts()).isEqualTo(l.timeouts());
    assertThat(web.health()).isEqualTo(l.health());
    assertThat(l.routed(slow).service()).isEqualTo("reports");
    assertThat(l.routed(slow).policy()).isEqualTo("least-response-time");
  }

  @Test
  void aRoutesPersistenceOverridesTheClientIpAndInsertCookieSettingsKeyByKey() {
    ListenerConfig l = listener("    persistence: { type: client-ip, client-ip-headers: [x-real-client], "
        + "hash-balance-factor: 2, insert-cookie: LB }\n"
        + "    routes:\n"
        + "      - name: strict\n"
        + "        path-prefix: /pay\n"
        + "        service: pay\n"
        + "        persistence: { strict: true }\n"
        + "      - name: app\n"
        + "        path-prefix: /shop\n"
        + "        service: shop\n"
        + "        persistence: { type: app-cookie, cookie: SID }\n"
        + "      - service: web\n");

    ListenerConfig.Persistence strict = l.routes().get(0).persistence();
    assertThat(strict.type()).isEqualTo("client-ip");
    assertThat(strict.clientIp().headers()).containsExactly("x-real-client");
    assertThat(strict.clientIp().strict()).isTrue();
    assertThat(strict.clientIp().effectiveHashBalanceFactor()).isZero();
    ListenerConfig.Persistence app = l.routes().get(1).persistence();
    assertThat(app.type()).isEqualTo("app-cookie");
    assertThat(app.cookie()).isEqualTo("SID");
    assertThat(app.insertCookie()).isEqualTo("LB");
    assertThat(l.routes().get(2).persistence()).isEqualTo(l.persistence());
    assertThat(l.persistence().clientIp().effectiveHashBalanceFactor()).isEqualTo(2.0);
    assertThat(l.routed(l.routes().get(0)).persistence().clientIp().strict()).isTrue();
  }

  @Test
  void aRoutesBadPersistenceOrTcpOnlyPolicyIsRefusedWithItsLine() {
    refused("    routes:\n      - service: shop\n        persistence: { type: app-cookie, insert-cookie: KEEL }\n",
        "line 7: listeners[0].routes[0].persistence.insert-cookie: 'KEEL' is also persistence.cookie (expected: another "
            + "name: the proxy's cookie for answers that set no 'KEEL')");
    refused("    routes:\n      - service: shop\n        policy: least-connections\n",
        "line 7: listeners[0].routes[0].policy: 'least-connections' places tcp connections (expected on an http route:"
            + " least-request, which counts requests in flight, or one of least-request, least-response-time, random,"
            + " ring-hash, round-robin)");
  }

  @Test
  void servicesBlockSetsTheBoundIdlenessAndFirstResolveWait() {
    ListenerConfig l = listener("    services: { max-services: 50, idle-timeout: 2m, first-resolve: 800ms }\n"
        + "    routes: [ { service: \"{path.0}\" } ]\n");

    assertThat(l.services()).isEqualTo(new ServicesConfig(50, Duration.ofMinutes(2), Duration.ofMillis(800)));
  }

  @Test
  void serviceAndRoutesTogetherOrNeitherAreRefused() {
    refused("    service: demo\n    routes: [ { service: orders } ]\n",
        "line 5: listeners[0].service: 'demo' together with routes (expected: either service, or routes that name the "
            + "service of each request)");
    refused("    policy: random\n",
        "line 3: listeners[0].service: missing (expected: the service name to balance to, or routes)");
  }

  @Test
  void aBadRouteIsRefusedWithItsLineKeyAndWhatWasExpected() {
    refused("    routes:\n      - path_prefix: /api\n        service: orders\n",
        "line 6: listeners[0].routes[0].path_prefix: unknown key; did you mean 'path-prefix'?");
    refused("    routes:\n      - host: \"api.*.com\"\n        service: orders\n",
        "line 6: listeners[0].routes[0].host: 'api.*.com' (expected: a host name like api.example.com, or a wildcard "
            + "like *.example.com)");
    refused("    routes:\n      - path-prefix: /a/../b\n        service: orders\n",
        "line 6: listeners[0].routes[0].path-prefix: '/a/../b' (expected: a path starting with / like /api or /orders/v1, "
            + "without ?, #, empty, . or .. segments)");
    refused("    routes:\n      - host: a.example.com\n        service: \"{hots.0}\"\n",
        "line 7: listeners[0].routes[0].service: '{hots.0}' (expected: a service name, or one of {host.N}, {path.N} "
            + "(N = 0..15) with optional text around it, like \"{host.0}\" or \"{path.0}\")");
    refused("    routes:\n      - host: a.example.com\n",
        "line 6: listeners[0].routes[0].service: missing (expected: a service name, or a placeholder like \"{host.0}\" "
            + "or \"{path.0}\")");
    refused("    routes:\n      - method: get\n        service: orders\n",
        "line 6: listeners[0].routes[0].method: 'get' (expected: a method in capitals like GET or POST, did you mean 'GET'?)");
  }

  @Test
  void routesThatCannotTakeEffectAsWrittenAreRefused() {
    refused("    routes:\n      - host: a.example.com\n        service: orders\n        strip-prefix: true\n",
        "line 8: listeners[0].routes[0].strip-prefix: true with nothing to strip (expected: a path-prefix, or a service "
            + "taken from the path like \"{path.0}\")");
    refused("    routes:\n      - path-prefix: /a\n        service: orders\n        timeouts: { idle: 5s }\n",
        "line 8: listeners[0].routes[0].timeouts.idle: set on the listener only (expected: connect or request on a "
            + "route; the client connection's timeouts apply before a route is chosen)");
    refused("    routes:\n      - name: x\n        service: a\n      - name: x\n        service: b\n",
        "line 8: listeners[0].routes[1].name: 'x' is used by another route (expected: unique names)");
    refused("    routes:\n      - sni: db.example.com\n        service: db\n",
        "line 6: listeners[0].routes[0].sni: only on tcp listeners (expected: host, path-prefix, method or header on an "
            + "http listener)");
    refused("    services: { first-resolve: 0s }\n    routes: [ { service: \"{path.0}\" } ]\n",
        "line 5: listeners[0].services.first-resolve: '0s' (expected: a duration in 1ms..1m)");
  }

  @Test
  void tcpRoutesNeedTlsAndTakeOnlyWhatAConnectionHas() {
    refused("    protocol: tcp\n    routes:\n      - sni: db.example.com\n        service: db\n",
        "line 6: listeners[0].routes: sni routes on a tcp listener without tls (expected: tls on the listener, which "
            + "terminates it and routes by the name the client asked for)");
  }
}
