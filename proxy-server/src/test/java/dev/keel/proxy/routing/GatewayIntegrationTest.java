package dev.keel.proxy.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.proxy.support.ManyPortBackend;
import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.RawHttp;
import dev.keel.registry.Registration;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * keel-proxy as a gateway in front of a real registry (ZooKeeper, Curator's TestingServer): 50
 * services registered, one listener, routed by host, by wildcard host with {@code {host.0}}, by path
 * with {@code {path.0}} and {@code strip-prefix}; a service registered after start reachable without
 * reload; services beyond {@code max-services} closed least recently used first, a request in flight
 * on a closed one still answered; 404, 503 and 400 that reach no instance. Each instance answers with
 * its own port, so every answer says which service it came from.
 */
class GatewayIntegrationTest {
  private static final int SERVICES = 50;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static TestingServer zookeeper;
  private static RegistryClient registrar;
  private static ManyPortBackend instances;
  private static String registry;

  @BeforeAll
  static void registerFiftyServices() throws Exception {
    zookeeper = new TestingServer(true);
    registry = "zookeeper://127.0.0.1:" + zookeeper.getPort() + "/services";
    registrar = Registries.open(registry);
    instances = new ManyPortBackend(SERVICES + 2);
    for (int i = 0; i < SERVICES; i++) {
      registrar.register(instance(name(i), i));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    registrar.close();
    instances.close();
    zookeeper.close();
  }

  private static String name(int i) {
    return String.format("svc-%02d", i);
  }

  private static ServiceInstance instance(String service, int i) {
    return ServiceInstance.builder().service(service).host("127.0.0.1").port(instances.port(i)).build();
  }

  // first-resolve 20s: on a starved 2-core machine a ZooKeeper watch of a service opened on demand
  // once took over 5 s (a 503 "not resolved within 5s"); what is tested here is the routing
  private static ProxyFixture gateway(int maxServices) {
    return new ProxyFixture("registry: " + registry + "\n"
        + "admin: { listen: 127.0.0.1:0 }\n"
        + "workers: 2\n"
        + "shutdown-grace: 1s\n"
        + "listeners:\n"
        + "  - name: web\n"
        + "    listen: 127.0.0.1:0\n"
        + "    services: { max-services: " + maxServices + ", idle-timeout: 10m, first-resolve: 20s }\n"
        + "    routes:\n"
        + "      - name: api\n"
        + "        host: api.example.com\n"
        + "        service: svc-00\n"
        + "      - name: by-host\n"
        + "        host: \"*.svc.local\"\n"
        + "        service: \"{host.0}\"\n"
        + "      - name: versioned\n"
        + "        path-prefix: /api\n"
        + "        service: \"{path.1}\"\n"
        + "        strip-prefix: true\n"
        + "      - name: by-path\n"
        + "        path-prefix: /\n"
        + "        service: \"{path.0}\"\n"
        + "        strip-prefix: true\n");
  }

  /** One request on its own connection: the status line and the body. */
  private static String get(ProxyFixture p, String host, String target) throws Exception {
    try (RawHttp c = new RawHttp(p.address())) {
      String res = c.send("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").readAll();
      int body = res.indexOf("\r\n\r\n");
      return res.substring(0, res.indexOf("\r\n")) + " | " + (body < 0 ? "" : res.substring(body + 4).trim());
    }
  }

  private static String answer(int i, String path, String host, String prefix) {
    return "HTTP/1.1 200 OK | port=" + instances.port(i) + " path=" + path + " host=" + host + " prefix=" + prefix;
  }

  private static JsonNode status(ProxyFixture p) throws Exception {
    return JSON.readTree(p.client.send(HttpRequest.newBuilder(p.adminUri("/status")).build(),
        HttpResponse.BodyHandlers.ofString()).body()).get("listeners").get(0);
  }

  private static String metrics(ProxyFixture p) throws Exception {
    return p.client.send(HttpRequest.newBuilder(p.adminUri("/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  @Test
  void routesByHostByWildcardHostAndByPathToEachOfFiftyServices() throws Exception {
    try (ProxyFixture p = gateway(100)) {
      assertThat(get(p, "api.example.com", "/orders?x=1")).isEqualTo(answer(0, "/orders?x=1", "api.example.com", ""));
      assertThat(get(p, "SVC-07.svc.local:8080", "/a/b")).isEqualTo(answer(7, "/a/b", "SVC-07.svc.local:8080", ""));
      assertThat(get(p, "gw.example.com", "/api/svc-08/v1/items?q=2"))
          .isEqualTo(answer(8, "/v1/items?q=2", "gw.example.com", "/api/svc-08"));
      for (int i = 0; i < SERVICES; i++) {
        assertThat(get(p, "gw.example.com", "/" + name(i) + "/x/" + i))
            .isEqualTo(answer(i, "/x/" + i, "gw.example.com", "/" + name(i)));
        assertThat(get(p, name(i) + ".svc.local", "/")).isEqualTo(answer(i, "/", name(i) + ".svc.local", ""));
      }
      assertThat(get(p, "gw.example.com", "/svc-03")).as("the prefix is the whole path: / is left")
          .isEqualTo(answer(3, "/", "gw.example.com", "/svc-03"));

      JsonNode s = status(p);
      assertThat(s.get("service").isNull()).isTrue();
      assertThat(s.get("servicesOpen").asInt()).as("svc-00 is fixed: open with the listener, not counted").isEqualTo(49);
      assertThat(s.get("routes").get(3).get("requests").asInt()).isEqualTo(SERVICES + 1);
      assertThat(s.get("routes").get(1).get("service").asText()).isEqualTo("{host.0}");
      assertThat(s.get("services")).hasSize(SERVICES);
      assertThat(metrics(p))
          .contains("keel_proxy_route_requests_total{listener=\"web\",route=\"by-path\"} 51.0")
          .contains("keel_proxy_service_requests_total{listener=\"web\",service=\"svc-07\"} 3.0")
          .contains("keel_proxy_stale{listener=\"web\",service=\"svc-49\"} 0.0")
          .contains("keel_proxy_backend_requests_total{address=\"127.0.0.1:" + instances.port(8) + "\"");
    }
  }

  @Test
  void serviceRegisteredAfterStartIsReachableAtOnceWithoutReload() throws Exception {
    try (ProxyFixture p = gateway(100)) {
      assertThat(get(p, "gw.example.com", "/late-one/x"))
          .isEqualTo("HTTP/1.1 503 Service Unavailable | 503 Service Unavailable\nno instance of service 'late-one'");

      Registration late = registrar.register(instance("late-one", SERVICES));
      try {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
            assertThat(get(p, "gw.example.com", "/late-one/x")).isEqualTo(answer(SERVICES, "/x", "gw.example.com", "/late-one")));
        assertThat(get(p, "late-one.svc.local", "/y")).isEqualTo(answer(SERVICES, "/y", "late-one.svc.local", ""));
      } finally {
        late.close();
      }
    }
  }

  @Test
  void servicesBeyondMaxServicesAreClosedLeastRecentlyUsedFirstAndAnInFlightRequestStillCompletes() throws Exception {
    try (ProxyFixture p = gateway(10)) {
      int heldBefore = instances.held.get();
      CompletableFuture<String> inFlight = CompletableFuture.supplyAsync(() -> {
        try {
          return get(p, "gw.example.com", "/svc-01/hold");
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      });
      await().atMost(Duration.ofSeconds(10)).until(() -> instances.held.get() > heldBefore);

      for (int i = 2; i < 30; i++) {
        assertThat(get(p, "gw.example.com", "/" + name(i) + "/")).startsWith("HTTP/1.1 200 OK | port=" + instances.port(i));
        if (i == 5) {
          assertThat(metrics(p)).contains("keel_proxy_service_requests_total{listener=\"web\",service=\"svc-02\"} 1.0");
        }
      }

      JsonNode s = status(p);
      assertThat(s.get("servicesOpen").asInt()).isEqualTo(10);
      assertThat(s.get("servicesClosedBeyondBound").asInt()).as("29 opened by name, 10 kept").isEqualTo(19);
      List<String> open = new ArrayList<>();
      s.get("services").forEach(x -> open.add(x.get("name").asText()));
      assertThat(open).as("the 9 most recently used, svc-01 (a request in flight keeps it) and the fixed svc-00")
          .containsExactlyInAnyOrder("svc-00", "svc-01", "svc-21", "svc-22", "svc-23", "svc-24", "svc-25", "svc-26",
              "svc-27", "svc-28", "svc-29");
      String m = metrics(p);
      assertThat(m).contains("keel_proxy_service_requests_total{listener=\"web\",service=\"svc-29\"}")
          .as("closed services leave no series behind").doesNotContain("service=\"svc-02\"");

      instances.release.countDown();
      assertThat(inFlight.get()).isEqualTo(answer(1, "/hold", "gw.example.com", "/svc-01"));
      assertThat(get(p, "gw.example.com", "/svc-02/again")).as("a closed service opens again on its next request")
          .isEqualTo(answer(2, "/again", "gw.example.com", "/svc-02"));
    }
  }

  @Test
  void noRouteUnknownServiceAndInvalidNamesAreAnsweredByTheProxyAlone() throws Exception {
    try (ProxyFixture p = gateway(100)) {
      int before = totalRequests();

      assertThat(get(p, "gw.example.com", "/")).as("no segment for {path.0}, no other route")
          .isEqualTo("HTTP/1.1 404 Not Found | 404 Not Found\nno route for host 'gw.example.com' and path '/'");
      assertThat(get(p, "gw.example.com", "/no-such-service/x"))
          .isEqualTo("HTTP/1.1 503 Service Unavailable | 503 Service Unavailable\nno instance of service 'no-such-service'");
      assertThat(get(p, "gw.example.com", "/_hidden/x")).startsWith("HTTP/1.1 400 Bad Request | 400 Bad Request\n"
          + "invalid service name '_hidden' from {path.0}");
      assertThat(get(p, "-x.svc.local", "/")).startsWith("HTTP/1.1 400 Bad Request | 400 Bad Request\n"
          + "invalid service name '-x' from {host.0}");
      assertThat(get(p, "gw.example.com", "/svc-01/../svc-02/x")).as("a route chosen on one path, served on another")
          .startsWith("HTTP/1.1 400 Bad Request | 400 Bad Request\npath with . or .. segments");
      assertThat(get(p, "gw.example.com", "/%2e%2e/svc-02")).startsWith("HTTP/1.1 400 Bad Request");
      assertThat(get(p, "gw.example.com", "/svc%2f01/x")).as("names are not decoded")
          .startsWith("HTTP/1.1 400 Bad Request | 400 Bad Request\ninvalid service name 'svc%2f01'");
      assertThat(get(p, "gw.example.com", "/" + "a".repeat(200) + "/x")).as("too long a name; the answer is cut")
          .startsWith("HTTP/1.1 400 Bad Request").contains("...");
      assertThat(get(p, "gw.example.com", "/<script>/x")).as("request text never comes back as markup")
          .doesNotContain("<script>");

      assertThat(totalRequests()).as("none of them reached an instance").isEqualTo(before);
      JsonNode s = status(p);
      assertThat(s.get("notFound").asInt()).isEqualTo(1);
      assertThat(s.get("rejected").asInt()).isEqualTo(7);
      assertThat(s.get("upstreamErrors").asInt()).isEqualTo(1);
    }
  }

  private static int totalRequests() {
    int n = 0;
    for (int i = 0; i < SERVICES + 2; i++) {
      n += instances.requests(i);
    }
    return n;
  }
}
