package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.RawHttp;
import dev.keel.proxy.support.TestBackend;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Slowloris and slow bodies (issue 10 scenario 8): a client that sends its head or its body one
 * byte per 100 ms is answered 408 (or cut off) by the listener's {@code timeouts.header-read} /
 * {@code body-read} before it is done, while another client is served normally meanwhile.
 */
class SlowClientIntegrationTest {
  private static TestBackend backend;
  private static ProxyFixture proxy;

  @BeforeAll
  static void start() throws Exception {
    backend = new TestBackend("a");
    proxy = ProxyFixture.of("static://" + backend.address(),
        "    timeouts: { header-read: 1s, body-read: 1s }\n");
  }

  @AfterAll
  static void stop() {
    proxy.close();
    backend.close();
  }

  @Test
  void headSentOneBytePerTickIsCutOffWhileOthersAreServed() throws Exception {
    int before = backend.requests.get();
    String head = "GET /slowloris HTTP/1.1\r\nHost: x\r\nX-Padding: " + "p".repeat(40) + "\r\n\r\n";
    Outcome slow = whileServingOthers(() -> trickle(head.getBytes(StandardCharsets.US_ASCII), 0));
    assertThat(slow.finishedSending).as("the proxy waited for the whole slow head").isFalse();
    assertThat(slow.response).as(slow.response).satisfiesAnyOf(
        r -> assertThat(r).startsWith("HTTP/1.1 408 "), r -> assertThat(r).isEmpty());
    assertThat(backend.requests.get() - before - slow.othersServed).as("slow requests forwarded").isZero();
  }

  @Test
  void bodySentOneBytePerTickIsCutOffWhileOthersAreServed() throws Exception {
    String head = "POST /count HTTP/1.1\r\nHost: x\r\nContent-Length: 60\r\n\r\n";
    byte[] body = "b".repeat(60).getBytes(StandardCharsets.US_ASCII);
    byte[] all = new byte[head.length() + body.length];
    System.arraycopy(head.getBytes(StandardCharsets.US_ASCII), 0, all, 0, head.length());
    System.arraycopy(body, 0, all, head.length(), body.length);
    Outcome slow = whileServingOthers(() -> trickle(all, head.length()));
    assertThat(slow.finishedSending).as("the proxy waited for the whole slow body").isFalse();
    assertThat(slow.response).as(slow.response).satisfiesAnyOf(
        r -> assertThat(r).startsWith("HTTP/1.1 408 "), r -> assertThat(r).isEmpty());
  }

  private record Outcome(boolean finishedSending, String response, int othersServed) {}

  private interface Slow {
    Outcome run() throws IOException;
  }

  /** Runs {@code slow} while another client sends GETs; asserts those were all 200s, at least one. */
  private static Outcome whileServingOthers(Slow slow) throws Exception {
    AtomicBoolean done = new AtomicBoolean();
    CompletableFuture<Integer> others = CompletableFuture.supplyAsync(() -> {
      int n = 0;
      while (!done.get() || n == 0) {
        try {
          HttpResponse<String> r = proxy.get("/meanwhile");
          assertThat(r.statusCode()).as("concurrent client's status").isEqualTo(200);
          assertThat(r.body()).isEqualTo("a");
          n++;
        } catch (IOException | InterruptedException e) {
          throw new IllegalStateException(e);
        }
      }
      return n;
    });
    Outcome o;
    try {
      o = slow.run();
    } finally {
      done.set(true);
    }
    int served = others.get(30, TimeUnit.SECONDS);
    assertThat(served).as("requests of the concurrent client").isPositive();
    return new Outcome(o.finishedSending, o.response, served);
  }

  /**
   * Sends {@code bytes[0..fast)} at once, then the rest one byte per 100 ms, watching for the proxy's
   * answer or close between bytes. Returns whether everything was sent and what came back.
   */
  private static Outcome trickle(byte[] bytes, int fast) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(proxy.address(), 5000);
      s.setSoTimeout(100);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      out.write(bytes, 0, fast);
      out.flush();
      for (int i = fast; i < bytes.length; i++) {
        try {
          out.write(bytes[i]);
          out.flush();
        } catch (IOException closed) {
          return new Outcome(false, got.toString(StandardCharsets.ISO_8859_1), 0);
        }
        if (RawHttp.readUntilClosed(in, got)) {
          return new Outcome(false, got.toString(StandardCharsets.ISO_8859_1), 0);
        }
      }
      s.setSoTimeout(10_000);
      RawHttp.readUntilClosed(in, got);
      return new Outcome(true, got.toString(StandardCharsets.ISO_8859_1), 0);
    }
  }

}
