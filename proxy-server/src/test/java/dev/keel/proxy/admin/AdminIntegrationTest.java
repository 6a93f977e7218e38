package dev.keel.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.TestBackend;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class AdminIntegrationTest {
  private static HttpResponse<String> get(ProxyFixture proxy, String path, @Nullable String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(proxy.adminUri(path));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return proxy.client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void statusHasTheDesignShapeAndCountsRequests() throws Exception {
    try (TestBackend a = new TestBackend("a"); ProxyFixture proxy = ProxyFixture.of("static://" + a.address(), "")) {
      for (int i = 0; i < 3; i++) {
        assertThat(proxy.get("/").statusCode()).isEqualTo(200);
      }
      HttpResponse<String> r = get(proxy, "/status", null);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
      JsonNode l = new ObjectMapper().readTree(r.body()).get("listeners").get(0);
      assertThat(l.get("name").asText()).isEqualTo("web");
      assertThat(l.get("protocol").asText()).isEqualTo("http");
      assertThat(l.get("service").asText()).isEqualTo("demo");
      assertThat(l.get("policy").asText()).isEqualTo("round-robin");
      JsonNode b = l.get("backends").get(0);
      assertThat(b.get("id").asText()).isEqualTo(a.address());
      assertThat(b.get("address").asText()).isEqualTo(a.address());
      assertThat(b.get("weight").asInt()).isEqualTo(100);
      assertThat(b.get("healthy").asBoolean()).isTrue();
      assertThat(b.get("requests").asLong()).isEqualTo(3);
      assertThat(b.get("failures").asLong()).isZero();
      assertThat(b.get("inflight").asInt()).isZero();
      assertThat(b.has("activeConnections")).isTrue();
      assertThat(b.get("ewmaMillis").isNumber()).isTrue();
    }
  }

  @Test
  void metricsHealthzAndDashboardAreServed() throws Exception {
    try (TestBackend a = new TestBackend("a"); ProxyFixture proxy = ProxyFixture.of("static://" + a.address(), "")) {
      proxy.get("/");
      HttpResponse<String> m = get(proxy, "/metrics", null);
      assertThat(m.statusCode()).isEqualTo(200);
      assertThat(m.body()).contains("keel_proxy_requests_total{listener=\"web\",service=\"demo\"} 1.0")
          .contains("keel_proxy_backend_requests_total");
      assertThat(get(proxy, "/healthz", null).body()).isEqualTo("ok\n");
      HttpResponse<String> page = get(proxy, "/", null);
      assertThat(page.headers().firstValue("content-type").orElse("")).startsWith("text/html");
      assertThat(page.body()).contains("fetch(\"status\"").doesNotContain("http://").doesNotContain("https://");
      assertThat(get(proxy, "/nope", null).statusCode()).isEqualTo(404);
    }
  }

  @Test
  void tokenIsRequiredWhenConfiguredExceptForHealthzAndThePage() throws Exception {
    try (TestBackend a = new TestBackend("a");
        ProxyFixture proxy = new ProxyFixture("registry: static://" + a.address() + "\n"
            + "admin: { listen: 127.0.0.1:0, token: s3cret }\n"
            + "listeners: [ { name: web, listen: 127.0.0.1:0, service: demo } ]\n")) {
      assertThat(get(proxy, "/status", null).statusCode()).isEqualTo(401);
      assertThat(get(proxy, "/status", "wrong").statusCode()).isEqualTo(401);
      assertThat(get(proxy, "/status", "s3cret").statusCode()).isEqualTo(200);
      assertThat(get(proxy, "/metrics", null).statusCode()).isEqualTo(401);
      assertThat(get(proxy, "/healthz", null).statusCode()).isEqualTo(200);
      assertThat(get(proxy, "/", null).statusCode()).isEqualTo(200);
    }
  }
}
