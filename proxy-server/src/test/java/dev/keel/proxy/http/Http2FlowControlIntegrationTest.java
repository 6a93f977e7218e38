package dev.keel.proxy.http;

import static dev.keel.proxy.support.H2Wire.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.support.H2Codec;
import dev.keel.proxy.support.H2Wire;
import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.TestBackend;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.handler.codec.http2.Http2Error;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Flow control on the client leg: the proxy never sends a stream more than its window, a client
 * that does not read one stream stalls that stream only (the others on the connection go on, the
 * proxy's memory stays flat, the instance is held back by TCP), and a client's RST_STREAM reaches
 * the instance (its HTTP/1.1 connection is closed).
 */
class Http2FlowControlIntegrationTest {
  private TestBackend backend;
  private ProxyFixture proxy;

  @BeforeEach
  void start() throws Exception {
    backend = new TestBackend("b");
    proxy = ProxyFixture.of("static://" + backend.address(), "");
  }

  @AfterEach
  void stop() {
    proxy.close();
    backend.close();
  }

  private RunningListener listener() {
    return proxy.server.listeners().get(0);
  }

  private static long directMemory() {
    return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
  }

  @Test
  void aStreamIsNeverSentMoreThanItsWindow() throws Exception {
    try (H2Wire w = H2Wire.connect(proxy.address())) {
      w.settings(0x4, 1000); // SETTINGS_INITIAL_WINDOW_SIZE: 1,000 bytes per stream
      w.headers(1, request("GET", "/bytes?n=5000"), true);
      w.flush();
      int got = 0;
      while (got < 1000) {
        H2Codec.Frame f = w.await(x -> x.type() == H2Wire.DATA && x.streamId() == 1);
        got += f.payload().length;
      }
      // a PING's answer comes after anything the proxy could still send: nothing beyond the window
      w.ping(42);
      w.flush();
      int more = 0;
      while (true) {
        H2Codec.Frame f = w.read();
        if (f.type() == H2Wire.PING && f.has(H2Wire.ACK)) {
          break;
        }
        if (f.type() == H2Wire.DATA) {
          more += f.payload().length;
        }
      }
      assertThat(got + more).isEqualTo(1000);
      w.windowUpdate(1, 4000);
      w.flush();
      assertThat(got + w.restOfBody(1).length).isEqualTo(5000);
    }
  }

  @Test
  void aStreamTheClientDoesNotReadStallsAloneWithFlatMemory() throws Exception {
    long before = directMemory();
    try (H2Wire w = H2Wire.connect(proxy.address())) {
      w.headers(1, request("GET", "/bytes?n=" + 50_000_000), true);
      w.flush();
      // the first window's worth arrives, then the stream stalls (no WINDOW_UPDATE is sent for it)
      int got = 0;
      while (got < 65_535) {
        got += w.await(f -> f.type() == H2Wire.DATA && f.streamId() == 1).payload().length;
      }
      // the connection's window goes back (the client read those bytes), stream 1's does not:
      // another stream of the same connection is answered meanwhile
      w.windowUpdate(0, got);
      w.headers(3, request("GET", "/other"), true);
      w.flush();
      H2Codec.Frame f;
      do {
        f = w.read();
      } while (!(f.streamId() == 3 && f.has(H2Wire.END_STREAM)));
      // stream 3 is closed once its last frame was written: the stalled one is all that is left
      await().atMost(Duration.ofSeconds(5)).until(() -> listener().stats().streams() == 1);
      // 50 MB are waiting at the instance, held back by TCP: the proxy holds at most a few buffers
      assertThat(directMemory() - before).as("direct memory while a 50 MB response is stalled").isLessThan(8L << 20);
      // the client gives up: the instance's connection is closed, its response cut there
      w.rst(1, Http2Error.CANCEL.code());
      w.flush();
      await().atMost(Duration.ofSeconds(10)).until(() -> backend.cut.get() == 1);
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> listener().stats().streams() == 0);
    assertThat(java.util.Objects.requireNonNull(listener().picker(), "one service").backends().get(0).inflight()).isZero();
    assertThat(java.util.Objects.requireNonNull(listener().picker(), "one service").backends().get(0).failures()).as("a cancelled call is no failure of the instance").isZero();
  }
}
