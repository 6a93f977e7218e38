package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.RawHttp;
import dev.keel.proxy.support.TestBackend;
import dev.keel.proxy.upstream.Backend;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Issue 21 item 2, scaled down: {@code timeouts.request} runs from the request's last byte sent
 * upstream, so an honest upload slower than it succeeds; a client that never sends the body it
 * announced is answered 408 by the body-read deadline, and that counts against the client, never
 * against the instance (no failure, no ejection).
 */
class SlowRequestBodyIntegrationTest {
  @Test
  void honestUploadSlowerThanTheRequestTimeoutSucceeds() throws Exception {
    // 800 kB at 20 kB/s with request: 30s, scaled: 12 kB at ~8 kB/s (1.5 s) with request: 500ms
    try (TestBackend backend = new TestBackend("a");
        ProxyFixture proxy = ProxyFixture.of("static://" + backend.address(),
            "    timeouts: { request: 500ms, body-read: 5s }\n");
        Socket s = new Socket()) {
      ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
      s.connect(proxy.address(), 5000);
      s.setSoTimeout(10_000);
      int pieces = 12;
      OutputStream out = s.getOutputStream();
      out.write(("POST /echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " + pieces * 1024 + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      CountDownLatch sent = new CountDownLatch(1);
      AtomicInteger left = new AtomicInteger(pieces);
      byte[] piece = "u".repeat(1024).getBytes(StandardCharsets.US_ASCII);
      ScheduledFuture<?> task = pacer.scheduleAtFixedRate(() -> {
        try {
          out.write(piece);
          out.flush();
        } catch (java.io.IOException e) {
          sent.countDown(); // the proxy gave up: the answer says why
          return;
        }
        if (left.decrementAndGet() == 0) {
          sent.countDown();
        }
      }, 125, 125, TimeUnit.MILLISECONDS);
      assertThat(sent.await(20, TimeUnit.SECONDS)).isTrue();
      task.cancel(false);
      pacer.shutdownNow();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      RawHttp.readUntilClosed(s.getInputStream(), got);
      String response = got.toString(StandardCharsets.ISO_8859_1);
      assertThat(response).as(response).startsWith("HTTP/1.1 200 ");
      // the echo comes back chunked: no hex digit is a 'u', so the count is the body's
      String body = response.substring(response.indexOf("\r\n\r\n") + 4);
      assertThat(body.chars().filter(c -> c == 'u').count()).as("bytes echoed").isEqualTo(pieces * 1024L);
      assertThat(left.get()).as("pieces not sent").isZero();
    }
  }

  @Test
  void postHeadsWhoseBodyNeverComesGet408AndDoNotEjectTheInstance() throws Exception {
    try (TestBackend backend = new TestBackend("a");
        ProxyFixture proxy = ProxyFixture.of("static://" + backend.address(),
            "    timeouts: { request: 300ms, body-read: 600ms }\n"
                + "    health: { passive: { consecutive-failures: 5, ejection: 30s } }\n")) {
      List<Socket> sockets = new ArrayList<>();
      try {
        for (int i = 0; i < 12; i++) {
          Socket s = new Socket();
          s.connect(proxy.address(), 5000);
          s.setSoTimeout(10_000);
          s.getOutputStream().write("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
          s.getOutputStream().flush();
          sockets.add(s);
        }
        for (Socket s : sockets) {
          ByteArrayOutputStream got = new ByteArrayOutputStream();
          RawHttp.readUntilClosed(s.getInputStream(), got);
          assertThat(got.toString(StandardCharsets.ISO_8859_1)).startsWith("HTTP/1.1 408 ");
        }
      } finally {
        for (Socket s : sockets) {
          s.close();
        }
      }
      Backend b = proxy.picker().backends().get(0);
      assertThat(b.failures()).as("failures counted against the instance").isZero();
      assertThat(b.healthy()).as("instance still in rotation (not ejected)").isTrue();
      assertThat(proxy.get("/after").statusCode()).isEqualTo(200);
    }
  }
}
