package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.TestBackend;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Persisted (sticky) requests are counted and reported like picks, so {@code /status} and outlier
 * ejection see them; retries never go back to a backend already tried while another exists.
 */
class PinAndRetryIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Two distinct ports nothing listens on: bound together, then closed. */
  private static int[] deadPorts() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        ServerSocket t = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return new int[] {s.getLocalPort(), t.getLocalPort()};
    }
  }

  private static HttpResponse<String> get(ProxyFixture p, String path, @Nullable String header,
      @Nullable String value) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(p.uri(path)).timeout(Duration.ofSeconds(10));
    if (header != null) {
      r.header(header, value);
    }
    return p.client.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode listener(ProxyFixture p) throws Exception {
    String body = p.client.send(HttpRequest.newBuilder(p.adminUri("/status")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    return JSON.readTree(body).get("listeners").get(0);
  }

  /** The {@code /status} entry of the backend with {@code id} (static:// ids are the addresses). */
  private static JsonNode backend(ProxyFixture p, String id) throws Exception {
    for (JsonNode b : listener(p).get("backends")) {
      if (b.get("id").asText().equals(id)) {
        return b;
      }
    }
    throw new AssertionError("no backend " + id);
  }

  private static String cookieOf(HttpResponse<String> r) {
    String setCookie = r.headers().firstValue("set-cookie").orElseThrow();
    return setCookie.substring(0, setCookie.indexOf(';'));
  }

  @Test
  void lbCookieRequestsShowInStatusAndTheirInflightReturnsToZero() throws Exception {
    try (TestBackend a = new TestBackend("a"); TestBackend b = new TestBackend("b");
        ProxyFixture p = ProxyFixture.of("static://" + a.address() + "," + b.address(),
            "    persistence: { type: lb-cookie, cookie: KEEL }\n")) {
      HttpResponse<String> first = get(p, "/", null, null);
      String cookie = cookieOf(first);
      TestBackend owner = first.body().equals("a") ? a : b;
      TestBackend other = owner == a ? b : a;
      for (int i = 0; i < 8; i++) {
        assertThat(get(p, "/", "Cookie", cookie).body()).isEqualTo(owner.name());
      }
      // the first request was balanced, the other 8 pinned: all 9 reported on the owner
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        assertThat(backend(p, owner.address()).get("inflight").asInt()).isZero();
        assertThat(backend(p, other.address()).get("inflight").asInt()).isZero();
      });
      assertThat(backend(p, owner.address()).get("requests").asLong()).isEqualTo(9);
      assertThat(backend(p, other.address()).get("requests").asLong()).isZero();
      assertThat(owner.requests.get()).isEqualTo(9);
    }
  }

  @Test
  void appCookieRequestsShowInStatus() throws Exception {
    try (TestBackend a = new TestBackend("a"); TestBackend b = new TestBackend("b");
        ProxyFixture p = ProxyFixture.of("static://" + a.address() + "," + b.address(),
            "    persistence: { type: app-cookie, cookie: SID }\n")) {
      HttpResponse<String> login = get(p, "/login", null, null);
      String cookie = cookieOf(login);
      TestBackend owner = login.body().equals("a") ? a : b;
      for (int i = 0; i < 5; i++) {
        assertThat(get(p, "/x", "Cookie", cookie).body()).isEqualTo(owner.name());
      }
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThat(backend(p, owner.address()).get("inflight").asInt()).isZero());
      assertThat(backend(p, owner.address()).get("requests").asLong()).isEqualTo(6);
    }
  }

  @Test
  void aFailedPinnedRequestIsReportedAndEjectsItsBackend() throws Exception {
    try (TestBackend a = new TestBackend("a"); TestBackend b = new TestBackend("b");
        ProxyFixture p = ProxyFixture.of("static://" + a.address() + "," + b.address(),
            "    persistence: { type: lb-cookie, cookie: KEEL }\n"
                + "    health: { passive: { consecutive-failures: 1, ejection: 1m } }\n")) {
      HttpResponse<String> first = get(p, "/", null, null);
      String cookie = cookieOf(first);
      TestBackend owner = first.body().equals("a") ? a : b;
      TestBackend other = owner == a ? b : a;
      owner.close();
      // pinned to the closed owner: the connect failure is reported, the retry goes to the other
      HttpResponse<String> moved = get(p, "/", "Cookie", cookie);
      assertThat(moved.statusCode()).isEqualTo(200);
      assertThat(moved.body()).isEqualTo(other.name());
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
        JsonNode o = backend(p, owner.address());
        assertThat(o.get("failures").asLong()).isEqualTo(1);
        assertThat(o.get("healthy").asBoolean()).isFalse();
        assertThat(o.get("inflight").asInt()).isZero();
      });
      // ejected: the cookie no longer pins there, so no further attempt fails on it
      for (int i = 0; i < 4; i++) {
        assertThat(get(p, "/", "Cookie", cookie).body()).isEqualTo(other.name());
      }
      assertThat(backend(p, owner.address()).get("failures").asLong()).isEqualTo(1);
      assertThat(listener(p).get("retries").asLong()).isEqualTo(1);
    }
  }

  @Test
  void retriesNeverGoBackToABackendThatFailedWhileAnotherExists() throws Exception {
    int[] dead = deadPorts();
    try (TestBackend live = new TestBackend("live");
        ProxyFixture p = ProxyFixture.of("static://127.0.0.1:" + dead[0] + ",127.0.0.1:" + dead[1]
            + "," + live.address(),
            "    policy: random\n    retries: { attempts: 2 }\n"
                + "    health: { passive: { consecutive-failures: 0 } }\n")) {
      // Two retries reach the one live backend only if neither retry repeats a dead one.
      for (int i = 0; i < 40; i++) {
        HttpResponse<String> r = get(p, "/", null, null);
        assertThat(r.statusCode()).as("request %d", i).isEqualTo(200);
        assertThat(r.body()).isEqualTo("live");
      }
      assertThat(listener(p).get("retries").asLong()).isPositive();
    }
  }

  @Test
  void ringHashRetriesKeepTheKeyAndLandOnTheSameSecondChoice() throws Exception {
    try (TestBackend a = new TestBackend("a"); TestBackend b = new TestBackend("b");
        ProxyFixture p = ProxyFixture.of("static://127.0.0.1:" + deadPorts()[0] + "," + a.address() + "," + b.address(),
            "    persistence: { type: client-ip }\n    trusted-proxies: [ 127.0.0.1 ]\n"
                + "    retries: { attempts: 1 }\n    health: { passive: { consecutive-failures: 0 } }\n")) {
      for (int ip = 1; ip <= 48; ip++) {
        String client = "198.51.100." + ip;
        HttpResponse<String> first = get(p, "/", "X-Forwarded-For", client);
        assertThat(first.statusCode()).as(client).isEqualTo(200);
        for (int i = 0; i < 2; i++) {
          assertThat(get(p, "/", "X-Forwarded-For", client).body()).as(client).isEqualTo(first.body());
        }
      }
      // some clients hash to the dead backend: their requests were retried, on a fixed second choice
      assertThat(listener(p).get("retries").asLong()).isPositive();
    }
  }
}
