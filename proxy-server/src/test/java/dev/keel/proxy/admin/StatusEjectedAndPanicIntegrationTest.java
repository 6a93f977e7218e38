package dev.keel.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.TestBackend;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code /status} tells an ejected backend from one down by checks ({@code "ejected"}) and shows a
 * listener in panic ({@code "panic"}), for http and tcp listeners; the DESIGN fields keep their meaning.
 */
class StatusEjectedAndPanicIntegrationTest {
  private static int deadPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static JsonNode listener(ProxyFixture proxy) throws Exception {
    HttpResponse<String> r = proxy.client.send(HttpRequest.newBuilder(proxy.adminUri("/status")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return new ObjectMapper().readTree(r.body()).get("listeners").get(0);
  }

  private static JsonNode backend(JsonNode listener, int port) {
    for (JsonNode b : listener.get("backends")) {
      if (b.get("address").asText().endsWith(":" + port)) {
        return b;
      }
    }
    throw new AssertionError("no backend on port " + port + " in " + listener);
  }

  /** The next byte, or -1 at the end of the stream or on a reset (the proxy may close either way). */
  private static int readOrEnd(Socket s) throws java.io.IOException {
    try {
      return s.getInputStream().read();
    } catch (java.net.SocketException reset) {
      return -1;
    }
  }

  @Test
  void healthyBackendsAreNotEjectedAndTheListenerIsNotInPanic() throws Exception {
    try (TestBackend a = new TestBackend("a"); ProxyFixture proxy = ProxyFixture.of("static://" + a.address(), "")) {
      assertThat(proxy.get("/").statusCode()).isEqualTo(200);
      JsonNode l = listener(proxy);
      assertThat(l.get("panic").isBoolean()).isTrue();
      assertThat(l.get("panic").asBoolean()).isFalse();
      JsonNode b = backend(l, a.port());
      assertThat(b.get("ejected").isBoolean()).isTrue();
      assertThat(b.get("ejected").asBoolean()).isFalse();
      assertThat(b.get("healthy").asBoolean()).isTrue();
    }
  }

  @Test
  void anHttpBackendEjectedByFailuresShowsEjectedAndItsListenerPanic() throws Exception {
    int dead = deadPort();
    try (ProxyFixture proxy = ProxyFixture.of("static://127.0.0.1:" + dead,
        "    retries: { attempts: 0 }\n    health: { passive: { consecutive-failures: 1, ejection: 1m } }\n")) {
      assertThat(proxy.get("/").statusCode()).isEqualTo(502);
      // the ejection is applied on the balancer's executor: wait for /status to show it
      await().atMost(Duration.ofSeconds(10)).until(() -> backend(listener(proxy), dead).get("ejected").asBoolean());
      JsonNode l = listener(proxy);
      JsonNode b = backend(l, dead);
      assertThat(b.get("healthy").asBoolean()).as("healthy keeps its meaning: up and not ejected").isFalse();
      // the only member is out: 0 of 1 available is below the 0.5 threshold, so every member is used
      assertThat(l.get("panic").asBoolean()).isTrue();
    }
  }

  @Test
  void aTcpBackendEjectedByConnectFailuresShowsEjectedAndItsListenerPanic() throws Exception {
    int dead = deadPort();
    try (ProxyFixture proxy = ProxyFixture.of("static://127.0.0.1:" + dead, "    protocol: tcp\n"
        + "    retries: { attempts: 0 }\n    health: { passive: { consecutive-failures: 1, ejection: 1m } }\n")) {
      assertThat(listener(proxy).get("panic").asBoolean()).isFalse();
      try (Socket s = new Socket()) {
        s.setSoTimeout(10_000);
        s.connect(proxy.address(), 5_000);
        assertThat(readOrEnd(s)).as("the proxy closes a connection it cannot place").isEqualTo(-1);
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> backend(listener(proxy), dead).get("ejected").asBoolean());
      assertThat(listener(proxy).get("panic").asBoolean()).isTrue();
    }
  }
}
