package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.RawHttp;
import dev.keel.proxy.support.TestBackend;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class UpstreamFailureIntegrationTest {
  /** A port nothing listens on: bound, then closed. */
  private static int deadPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** A server that accepts, reads the request head, and resets the connection. */
  private static ServerSocket resetter(AtomicInteger hits) throws Exception {
    ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      while (!s.isClosed()) {
        try (Socket c = s.accept()) {
          hits.incrementAndGet();
          InputStream in = c.getInputStream();
          in.read(new byte[4096]);
          c.setSoLinger(true, 0);
        } catch (Exception e) {
          return;
        }
      }
    }, "resetter");
    t.setDaemon(true);
    t.start();
    return s;
  }

  /**
   * A server that answers a head promising 10 bytes, sends 3, and then (after {@code holdMillis},
   * so that they arrive in a read of their own) closes the connection.
   */
  private static ServerSocket cutter(AtomicInteger hits, long holdMillis) throws Exception {
    ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      while (!s.isClosed()) {
        try (Socket c = s.accept()) {
          hits.incrementAndGet();
          c.getInputStream().read(new byte[4096]);
          c.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc".getBytes(StandardCharsets.US_ASCII));
          c.getOutputStream().flush();
          Thread.sleep(holdMillis); // the backend holds its connection open: the behaviour under test
        } catch (Exception e) {
          if (s.isClosed()) {
            return;
          }
        }
      }
    }, "cutter");
    t.setDaemon(true);
    t.start();
    return s;
  }

  @Test
  void aSmallBodyCutShortIsRetriedForGetAndAnswered502ForPost() throws Exception {
    // the cut POSTs are not re-sent, and the client gets a clean 502, not a cut 200
    AtomicInteger hits = new AtomicInteger();
    getsAreRetriedAndHalfThePostsAnswered502(cutter(hits, 50), hits);
  }

  @Test
  void aSmallBodyThatNeverEndsAnswers504WithinTheRequestTimeout() throws Exception {
    AtomicInteger hits = new AtomicInteger();
    try (ServerSocket stalled = cutter(hits, 20_000);
        ProxyFixture proxy = ProxyFixture.of("static://127.0.0.1:" + stalled.getLocalPort(),
            "    timeouts: { request: 300ms }\n")) {
      HttpResponse<String> r = proxy.client.send(HttpRequest.newBuilder(proxy.uri("/")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(504);
      assertThat(hits.get()).isEqualTo(1);
    }
  }

  @Test
  void aLargeBodyThatStallsIsCutAfterTheIdleTimeout() throws Exception {
    ServerSocket stalled = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      try (Socket c = stalled.accept()) {
        c.getInputStream().read(new byte[4096]);
        c.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + "x".repeat(5000))
            .getBytes(StandardCharsets.US_ASCII));
        c.getOutputStream().flush();
        Thread.sleep(60_000); // never ends the body
      } catch (Exception e) {
        // the test is over
      }
    }, "stalled");
    t.setDaemon(true);
    t.start();
    try (stalled;
        ProxyFixture proxy = ProxyFixture.of("static://127.0.0.1:" + stalled.getLocalPort(),
            "    timeouts: { idle: 400ms }\n");
        Socket client = new Socket()) {
      client.connect(proxy.address(), 5000);
      client.setSoTimeout(10_000);
      client.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      // closed by the proxy (true), not left waiting until the read timeout (false)
      assertThat(RawHttp.readUntilClosed(client.getInputStream(), got)).isTrue();
      String resp = got.toString(StandardCharsets.US_ASCII);
      assertThat(RawHttp.status(resp)).isEqualTo(200);
      assertThat(resp).containsIgnoringCase("Content-Length: 100000").hasSizeLessThan(6000); // cut, not completed
    }
  }

  /** Sends {@code n} POSTs, each on a connection of its own; the number answered 502 (the rest must be 200). */
  private static int postsAnswered502(ProxyFixture proxy, int n) throws Exception {
    int got502 = 0;
    for (int i = 0; i < n; i++) {
      try (RawHttp raw = new RawHttp(proxy.address())) {
        String resp = raw.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbody").readAll();
        if (RawHttp.status(resp) == 502) {
          got502++;
        } else {
          assertThat(RawHttp.status(resp)).isEqualTo(200);
        }
      }
    }
    return got502;
  }

  @Test
  void noInstanceAnswers503WithAShortBody() throws Exception {
    try (ProxyFixture proxy = ProxyFixture.of("memory://proxy-empty-" + System.nanoTime(), "")) {
      HttpResponse<String> r = proxy.get("/");
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.body()).isEqualTo("503 Service Unavailable\n");
    }
  }

  @Test
  void connectFailureIsRetriedOnAnotherInstance() throws Exception {
    try (TestBackend live = new TestBackend("live");
        ProxyFixture proxy = ProxyFixture.of("static://127.0.0.1:" + deadPort() + "," + live.address(),
            "    health: { passive: { consecutive-failures: 0 } }\n")) {
      for (int i = 0; i < 6; i++) {
        HttpResponse<String> r = proxy.get("/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("live");
      }
      // a POST not yet sent anywhere is retried as well
      HttpResponse<String> post = proxy.client.send(HttpRequest.newBuilder(proxy.uri("/echo"))
          .POST(HttpRequest.BodyPublishers.ofString("data")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(post.statusCode()).isEqualTo(200);
      assertThat(post.body()).isEqualTo("data");
    }
  }

  @Test
  void everyInstanceRefusingAnswers502() throws Exception {
    try (ProxyFixture proxy = ProxyFixture.of("static://127.0.0.1:" + deadPort(), "")) {
      assertThat(proxy.get("/").statusCode()).isEqualTo(502);
    }
  }

  @Test
  void resetAfterSendIsRetriedForGetButNotForPost() throws Exception {
    AtomicInteger hits = new AtomicInteger();
    getsAreRetriedAndHalfThePostsAnswered502(resetter(hits), hits);
  }

  /**
   * Round robin over {@code bad} (counting its connections in {@code hits}) and a live backend:
   * every GET is answered by the live one, and the half of the POSTs sent to {@code bad} get 502.
   */
  private static void getsAreRetriedAndHalfThePostsAnswered502(ServerSocket bad, AtomicInteger hits) throws Exception {
    try (bad;
        TestBackend live = new TestBackend("live");
        ProxyFixture proxy = ProxyFixture.of("static://127.0.0.1:" + bad.getLocalPort() + "," + live.address(),
            "    health: { passive: { consecutive-failures: 0 } }\n")) {
      for (int i = 0; i < 4; i++) {
        HttpResponse<String> r = proxy.get("/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("live");
      }
      assertThat(hits.get()).isPositive();
      assertThat(postsAnswered502(proxy, 4)).isEqualTo(2);
    }
  }

  @Test
  void noResponseWithinTheRequestTimeoutAnswers504() throws Exception {
    try (TestBackend slow = new TestBackend("slow");
        ProxyFixture proxy = ProxyFixture.of("static://" + slow.address(), "    timeouts: { request: 300ms }\n")) {
      HttpResponse<String> r = proxy.client.send(HttpRequest.newBuilder(proxy.uri("/slow")).timeout(Duration.ofSeconds(20)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(504);
      // the backend counts the request on its own thread, which a loaded machine may delay
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> slow.requests.get() >= 1);
      assertThat(slow.requests.get()).isEqualTo(1);
    }
  }

  @Test
  void consecutiveFailuresEjectAnInstance() throws Exception {
    int dead = deadPort();
    try (TestBackend live = new TestBackend("live");
        ProxyFixture proxy = ProxyFixture.of("static://127.0.0.1:" + dead + "," + live.address(),
            "    retries: { attempts: 0 }\n    health: { passive: { consecutive-failures: 1, ejection: 1m } }\n")) {
      int status = 200;
      for (int i = 0; i < 4 && status == 200; i++) {
        status = proxy.get("/").statusCode();
      }
      assertThat(status).isEqualTo(502);
      // ejection is applied on the balancer's executor: wait for it to show, then no more failures
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
          proxy.picker().backends().stream()
              .anyMatch(b -> b.port() == dead && !b.healthy()));
      for (int i = 0; i < 6; i++) {
        assertThat(proxy.get("/").statusCode()).isEqualTo(200);
      }
    }
  }

  @Test
  void everyInstanceEjectedWithoutPanicAnswers503() throws Exception {
    int dead = deadPort();
    try (ProxyFixture proxy = ProxyFixture.of("static://127.0.0.1:" + dead,
        "    retries: { attempts: 0 }\n    health: { panic-threshold: 0, passive: { consecutive-failures: 1, ejection: 1m } }\n")) {
      assertThat(proxy.get("/").statusCode()).isEqualTo(502);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> proxy.get("/").statusCode() == 503);
      HttpResponse<String> r = proxy.get("/");
      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.body()).isEqualTo("503 Service Unavailable\n");
    }
  }
}
