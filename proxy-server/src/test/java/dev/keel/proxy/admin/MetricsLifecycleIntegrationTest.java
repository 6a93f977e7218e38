package dev.keel.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.proxy.ProxyServer;
import dev.keel.proxy.config.ConfigLoader;
import dev.keel.proxy.config.ProxyConfig;
import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.support.TestBackend;
import dev.keel.proxy.upstream.Backend;
import dev.keel.registry.Registration;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Issue 23: meters follow the objects they read. A listener replaced by a reload is metered anew
 * (its series move again), a removed one leaves {@code /metrics}, and backends that leave the
 * registry take their series with them, however many came and went.
 */
class MetricsLifecycleIntegrationTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private final ConfigLoader loader = new ConfigLoader(Map.<String, String>of()::get);

  private static String yaml(String registry, String webExtra, boolean withApi) {
    return "registry: " + registry + "\nadmin: { listen: 127.0.0.1:0 }\nworkers: 1\nshutdown-grace: 1s\n"
        + "listeners:\n"
        + "  - { name: web, listen: 127.0.0.1:0, service: demo" + webExtra + " }\n"
        + (withApi ? "  - { name: api, listen: 127.0.0.1:0, service: demo }\n" : "");
  }

  @Test
  void aListenerReplacedByAReloadIsMeteredAgainAndARemovedOneLeavesMetrics() throws Exception {
    String registry = "memory://metrics-reload-" + UUID.randomUUID();
    try (TestBackend blue = new TestBackend("blue"); RegistryClient reg = Registries.open(registry)) {
      reg.register(ServiceInstance.builder().service("demo").id("blue").host("127.0.0.1").port(blue.port()).build());
      ProxyServer server = ProxyServer.start(loader.parse(yaml(registry, "", true), null));
      try {
        get(server, "web", 3);
        get(server, "api", 1);
        String before = scrape(server);
        assertThat(value(before, "keel_proxy_requests_total{listener=\"web\",service=\"demo\"}")).isEqualTo(3.0);
        assertThat(value(before, "keel_proxy_backend_requests_total{address=\"127.0.0.1:" + blue.port()
            + "\",backend=\"blue\",listener=\"web\",service=\"demo\"}")).isEqualTo(3.0);

        // web changes (a new listener object on the same name), api goes away
        ProxyConfig next = loader.parse(yaml(registry, ", retries: { attempts: 1 }", false), null);
        server.reload(next);
        get(server, "web", 2);

        String after = scrape(server);
        assertThat(value(after, "keel_proxy_requests_total{listener=\"web\",service=\"demo\"}"))
            .as("the replacement's counter, not the retired listener's").isEqualTo(2.0);
        assertThat(value(after, "keel_proxy_backend_requests_total{address=\"127.0.0.1:" + blue.port()
            + "\",backend=\"blue\",listener=\"web\",service=\"demo\"}")).isEqualTo(2.0);
        assertThat(after).doesNotContain("listener=\"api\"");
      } finally {
        server.close(Duration.ofMillis(500));
      }
    }
  }

  @Test
  void aThousandBackendsChurnedThroughLeaveOnlyTheLiveOnesInMetrics() throws Exception {
    String registry = "memory://metrics-churn-" + UUID.randomUUID();
    int live = 10;
    int total = 1_000;
    String config = "registry: " + registry + "\nadmin: { listen: 127.0.0.1:0 }\nworkers: 1\nshutdown-grace: 1s\n"
        + "listeners:\n"
        + "  - { name: web, listen: 127.0.0.1:0, service: demo }\n"
        + "  - { name: chat, listen: 127.0.0.1:0, protocol: tcp, service: demo }\n";
    try (RegistryClient reg = Registries.open(registry)) {
      Deque<Registration> registered = new ArrayDeque<>();
      Set<String> ids = new HashSet<>();
      for (int i = 0; i < live; i++) {
        registered.add(register(reg, i));
        ids.add("i-" + i);
      }
      ProxyServer server = ProxyServer.start(loader.parse(config, null));
      try {
        // Ten in, ten out, a scrape after every step: every backend that ever existed was seen by /metrics.
        for (int next = live; next < total; next += live) {
          for (int i = next; i < next + live; i++) {
            registered.add(register(reg, i));
            ids.add("i-" + i);
            registered.removeFirst().close();
            ids.remove("i-" + (i - live));
          }
          awaitMembers(server, ids);
          scrape(server);
        }
        String end = scrape(server);
        assertThat(series(end, "keel_proxy_backend_requests_total{")).isEqualTo(live);
        assertThat(series(end, "keel_proxy_backend_healthy{")).isEqualTo(live);
        assertThat(series(end, "keel_proxy_backend_connection_share{")).isEqualTo(live);
        assertThat(series(end, "keel_proxy_backend_connections{")).as("http and tcp listeners: one each per backend")
            .isEqualTo(2L * live);
      } finally {
        server.close(Duration.ofMillis(500));
      }
    }
  }

  private static Registration register(RegistryClient reg, int i) {
    return reg.register(ServiceInstance.builder().service("demo").id("i-" + i).host("127.0.0.1").port(20_000 + i).build());
  }

  private static void awaitMembers(ProxyServer server, Set<String> ids) {
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(5)).until(() -> {
      for (RunningListener l : server.listeners()) {
        Set<String> members = java.util.Objects.requireNonNull(l.picker(), "one service").backends().stream().map(Backend::id).collect(Collectors.toSet());
        if (!members.equals(ids)) {
          return false;
        }
      }
      return true;
    });
  }

  private static void get(ProxyServer server, String listener, int times) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + server.address(listener).getPort() + "/");
    for (int i = 0; i < times; i++) {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
    }
  }

  private static String scrape(ProxyServer server) throws Exception {
    InetSocketAddress admin = server.adminAddress();
    assertThat(admin).as("admin address").isNotNull();
    URI uri = URI.create("http://127.0.0.1:" + admin.getPort() + "/metrics");
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  private static double value(String scrape, String series) {
    return scrape.lines().filter(l -> l.startsWith(series + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1))).findFirst()
        .orElseThrow(() -> new AssertionError(series + " not in the scrape:\n" + scrape));
  }

  private static long series(String scrape, String prefix) {
    return scrape.lines().filter(l -> l.startsWith(prefix)).count();
  }
}
