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
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Floods against the HTTP/2 listener, each answered with GOAWAY ENHANCE_YOUR_CALM (or the
 * connection closed) without memory growth: rapid reset (CVE-2023-44487), PING and SETTINGS
 * floods, CONTINUATION floods (2024), empty DATA frames. Bounded in count; loopback only.
 * Acknowledgements a client never reads are bounded too ({@code Http2HandlerTest}: filling the
 * kernel's socket buffers first would take a few hundred thousand frames).
 */
class Http2FloodIntegrationTest {
  private TestBackend backend;
  private ProxyFixture proxy;

  @BeforeEach
  void start() throws Exception {
    backend = new TestBackend("b");
    proxy = ProxyFixture.of("static://" + backend.address(), "    http2: { max-resets: 100, max-control-frames: 500 }\n");
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

  /** Warms the allocator up with one ordinary exchange, so that its first chunks are not counted as growth. */
  private long baseline() throws Exception {
    try (H2Wire w = H2Wire.connect(proxy.address())) {
      w.headers(1, request("GET", "/warm"), true);
      w.flush();
      assertThat(w.response(1).status()).isEqualTo("200");
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> listener().stats().http2Connections() == 0);
    return directMemory();
  }

  /** After a flood: the connection was closed for it, nothing of it is left, memory is where it was. */
  private void assertAnsweredWithoutGrowth(long before) {
    await().atMost(Duration.ofSeconds(10)).until(() -> listener().stats().http2Connections() == 0);
    assertThat(listener().stats().calmed()).isEqualTo(1);
    assertThat(listener().stats().streams()).as("streams left open").isZero();
    assertThat(java.util.Objects.requireNonNull(listener().picker(), "one service").backends().get(0).inflight()).isZero();
    assertThat(directMemory() - before).as("direct memory growth").isLessThan(4L << 20);
  }

  /** Reads what the proxy sent until it closed; the GOAWAY's error code, or -1 when the close came first (a reset). */
  private static long goAwayCode(H2Wire w) {
    try {
      return w.await(f -> f.type() == H2Wire.GOAWAY).errorCode();
    } catch (IOException | AssertionError e) {
      return -1; // the close overtook the GOAWAY (unread bytes make it a reset): the stats tell why
    }
  }

  /** One frame (or a few) of a flood. */
  private interface FloodStep {
    void send(H2Wire w, int i) throws IOException;
  }

  /** Sends {@code count} steps of a flood, which the proxy may cut by closing (as it should); the GOAWAY's code, as {@link #goAwayCode}. */
  private static long flood(H2Wire w, int count, FloodStep step) {
    try {
      for (int i = 0; i < count; i++) {
        step.send(w, i);
      }
      w.flush();
    } catch (IOException closed) {
      // the proxy closed the connection mid-flood
    }
    return goAwayCode(w);
  }

  @Test
  void rapidResetFloodIsAnsweredWithEnhanceYourCalm() throws Exception {
    long before = baseline();
    long code;
    try (H2Wire w = H2Wire.connect(proxy.address())) {
      code = flood(w, 1000, (x, i) -> {
        int id = 1 + 2 * i;
        x.headers(id, request("GET", "/slow"), true);
        x.rst(id, Http2Error.CANCEL.code());
        if (i % 20 == 19) {
          x.flush();
        }
      });
    }
    assertThat(code).isIn(Http2Error.ENHANCE_YOUR_CALM.code(), -1L);
    assertAnsweredWithoutGrowth(before);
    assertThat(listener().stats().streamResets()).isBetween(100L, 101L);
    assertThat(backend.requests.get()).as("requests that reached the instance").isLessThanOrEqualTo(101 + 1);
  }

  @Test
  void pingFloodIsAnsweredWithEnhanceYourCalm() throws Exception {
    long before = baseline();
    long code;
    try (H2Wire w = H2Wire.connect(proxy.address())) {
      code = flood(w, 2000, (x, i) -> x.ping(i));
    }
    assertThat(code).isIn(Http2Error.ENHANCE_YOUR_CALM.code(), -1L);
    assertAnsweredWithoutGrowth(before);
  }

  @Test
  void settingsFloodIsAnsweredWithEnhanceYourCalm() throws Exception {
    long before = baseline();
    long code;
    try (H2Wire w = H2Wire.connect(proxy.address())) {
      code = flood(w, 2000, (x, i) -> x.settings(0x3, 100)); // SETTINGS_MAX_CONCURRENT_STREAMS, again and again
    }
    assertThat(code).isIn(Http2Error.ENHANCE_YOUR_CALM.code(), -1L);
    assertAnsweredWithoutGrowth(before);
  }

  @Test
  void continuationFloodIsRefusedBeforeAnyRequestIsMade() throws Exception {
    long before = baseline();
    int requestsBefore = backend.requests.get();
    try (H2Wire w = H2Wire.connect(proxy.address())) {
      // a header block that never ends: one literal value, a byte per CONTINUATION frame
      byte[] start = {0x00, 0x05, 'x', '-', 'f', 'l', 'd', 0x7f, (byte) 0xff, 0x7f};
      w.frame(H2Wire.HEADERS, 0, 1, start);
      assertThat(flood(w, 5000, (x, i) -> x.frame(H2Wire.CONTINUATION, 0, 1, new byte[] {'a'})))
          .isNotEqualTo(Http2Error.NO_ERROR.code());
      assertThat(w.closedByServer()).isTrue();
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> listener().stats().http2Connections() == 0);
    assertThat(backend.requests.get()).isEqualTo(requestsBefore);
    assertThat(directMemory() - before).as("direct memory growth").isLessThan(4L << 20);
  }

  @Test
  void emptyDataFramesWithoutEndAreAFlood() throws Exception {
    try (H2Wire w = H2Wire.connect(proxy.address())) {
      w.headers(1, request("POST", "/echo"), false);
      assertThat(flood(w, 100, (x, i) -> x.data(1, new byte[0], false))).isIn(Http2Error.ENHANCE_YOUR_CALM.code(), -1L);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> listener().stats().http2Connections() == 0);
    assertThat(listener().stats().calmed()).isEqualTo(1);
  }

  @Test
  void pingsFollowingDataAreNoFlood() throws Exception {
    // gRPC's BDP pings come with data: each response the proxy sends starts the count again
    try (H2Wire w = H2Wire.connect(proxy.address())) {
      for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 400; i++) {
          w.ping(i);
        }
        int id = 1 + 2 * round;
        w.headers(id, request("GET", "/r" + round), true);
        w.flush();
        assertThat(w.response(id).status()).isEqualTo("200");
      }
    }
    assertThat(listener().stats().calmed()).isZero();
  }
}
