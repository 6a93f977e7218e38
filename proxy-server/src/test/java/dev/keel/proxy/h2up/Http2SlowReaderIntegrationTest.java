package dev.keel.proxy.h2up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.proxy.support.H2TestServer;
import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.RawHttp;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Flow control end to end with a real HTTP/2 instance: a client that stops reading a 256 MiB
 * response stalls that response's stream at the instance (the instance sends what the stream's
 * window and the sockets between hold, then waits), the proxy's direct memory stays bounded, and
 * another request on the same upstream connection is answered meanwhile. Memory is sampled, never
 * timed.
 */
@SuppressWarnings("NullAway.Init") // set by each test before use, closed after it
class Http2SlowReaderIntegrationTest {
  private static final long BODY = 256L << 20;
  private static final long LIMIT = 32L << 20;
  private H2TestServer instance;
  private ProxyFixture proxy;

  @AfterEach
  void stop() throws Exception {
    proxy.close();
    instance.close();
  }

  private static long direct() {
    return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
  }

  @Test
  void aClientThatStopsReadingStallsItsStreamNotTheConnectionNorTheProxysMemory() throws Exception {
    instance = new H2TestServer("h2-big", 0);
    proxy = new ProxyFixture("registry: static://" + instance.address() + "\n"
        + "admin: { listen: 127.0.0.1:0 }\nworkers: 1\nshutdown-grace: 1s\n"
        + "listeners:\n  - name: web\n    listen: 127.0.0.1:0\n    service: demo\n"
        + "    upstream: { protocol: h2c, stream-window: 256k }\n");
    try (Socket slow = new Socket("127.0.0.1", proxy.address().getPort())) {
      slow.setReceiveBufferSize(64 * 1024);
      slow.getOutputStream().write(("GET /bytes?n=" + BODY + " HTTP/1.1\r\nHost: x\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      // the client reads nothing: the instance sends until what lies between is full, then waits
      AtomicLong last = new AtomicLong(-1);
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).until(() -> {
        long now = instance.bytesSent.get();
        return now > 0 && now == last.getAndSet(now);
      });
      long stalledAt = instance.bytesSent.get();
      assertThat(stalledAt).as("sent while the client read nothing").isLessThan(LIMIT);
      assertThat(direct()).as("the proxy's direct memory meanwhile").isLessThan(LIMIT);

      // the same upstream connection still carries other streams
      try (RawHttp other = new RawHttp(proxy.address())) {
        assertThat(other.send("GET /who HTTP/1.1\r\nHost: x\r\n\r\n").readUntil("h2-big")).startsWith("HTTP/1.1 200 ");
      }
      assertThat(instance.connectionsAccepted.get()).isEqualTo(1);

      // it reads now: the whole body arrives
      InputStream in = slow.getInputStream();
      byte[] buf = new byte[256 * 1024];
      long total = 0;
      long peak = 0;
      String head = null;
      while (total < BODY) {
        int n = in.read(buf);
        assertThat(n).isPositive();
        if (head == null) {
          String s = new String(buf, 0, n, StandardCharsets.ISO_8859_1);
          int end = s.indexOf("\r\n\r\n");
          head = s.substring(0, end);
          n -= end + 4;
        }
        total += n;
        peak = Math.max(peak, direct());
      }
      assertThat(head).startsWith("HTTP/1.1 200 OK").contains("content-length: " + BODY);
      assertThat(total).isEqualTo(BODY);
      assertThat(peak).as("peak direct memory while it read").isLessThan(LIMIT);
    }
  }
}
