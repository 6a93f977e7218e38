package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * WebSocket upgrades, drains (reload, shutdown) and the head-read deadline, on embedded channels
 * with a fake clock.
 */
class ExchangeTunnelAndDrainTest {
  private static final String UPGRADE =
      "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\r\n";
  private static final String SWITCHING =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";

  /** A masked (client) text frame of {@code text}, key 0 so the payload reads as is. */
  private static String clientFrame(String text) {
    return "\u0081" + (char) (0x80 | text.length()) + "\0\0\0\0" + text;
  }

  private static String serverFrame(String text) {
    return "\u0081" + (char) text.length() + text;
  }

  @Test
  void websocketUpgradeBecomesARawTunnelAfterThe101() {
    try (ExchangeHarness h = new ExchangeHarness(1, "")) {
      h.send(UPGRADE);
      assertThat(h.upstreamGot(0)).contains("upgrade: websocket\r\n").contains("connection: upgrade\r\n");
      h.answer(0, SWITCHING + serverFrame("hi"));
      assertThat(h.phase()).isEqualTo(Phase.TUNNEL);
      assertThat(h.clientGot()).startsWith("HTTP/1.1 101 ").endsWith("\r\n\r\n" + serverFrame("hi"));
      h.send(clientFrame("yo"));
      assertThat(h.upstreamGot(0)).isEqualTo(clientFrame("yo"));
      assertThat(h.route.stats().tunnels()).isEqualTo(1);
      assertThat(h.dialed.get(0).requests()).as("the upgrade was answered").isEqualTo(1);
      h.upstreams.get(0).close();
      assertThat(h.client.isOpen()).as("either side closing ends the tunnel").isFalse();
      assertThat(h.route.stats().tunnels()).isZero();
    }
  }

  @Test
  void switchingProtocolsToARequestThatAskedForNoUpgradeIsAFailure() {
    try (ExchangeHarness h = new ExchangeHarness(1, "    retries: { attempts: 0 }\n")) {
      h.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n").answer(0, SWITCHING);
      assertThat(h.clientGot()).startsWith("HTTP/1.1 502 ");
      assertThat(h.dialed.get(0).failures()).isEqualTo(1);
    }
  }

  @Test
  void drainClosesAConnectionBetweenExchangesAtOnce() {
    try (ExchangeHarness h = new ExchangeHarness(1, "")) {
      h.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n").answer(0, "HTTP/1.1 204 No Content\r\n\r\n");
      assertThat(h.client.isOpen()).isTrue();
      h.client.pipeline().fireUserEventTriggered(HttpProxyHandler.GracefulClose.INSTANCE);
      assertThat(h.client.isOpen()).isFalse();
    }
  }

  @Test
  void drainLetsTheExchangeInProgressFinishWithConnectionClose() {
    try (ExchangeHarness h = new ExchangeHarness(1, "")) {
      h.send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
      h.client.pipeline().fireUserEventTriggered(HttpProxyHandler.GracefulClose.INSTANCE);
      assertThat(h.client.isOpen()).as("never mid-exchange").isTrue();
      h.answer(0, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      assertThat(h.clientGot()).contains("\r\nconnection: close\r\n").endsWith("ok");
      assertThat(h.client.isOpen()).isFalse();
      assertThat(h.dialed.get(0).failures()).isZero();
    }
  }

  @Test
  void drainClosesATunnelWith1012AtAMessageBoundary() {
    try (ExchangeHarness h = new ExchangeHarness(1, "")) {
      h.send(UPGRADE).answer(0, SWITCHING);
      h.clientGot();
      h.upstreamGot(0);
      h.client.pipeline().fireUserEventTriggered(HttpProxyHandler.GracefulClose.INSTANCE);
      h.client.runPendingTasks();
      String toClient = h.clientGot();
      assertThat(toClient.charAt(0)).as("a Close frame").isEqualTo('\u0088');
      assertThat(((toClient.charAt(2) & 0xff) << 8) | (toClient.charAt(3) & 0xff)).isEqualTo(1012);
      assertThat(h.upstreamGot(0).charAt(0)).as("a Close frame upstream too").isEqualTo('\u0088');
      assertThat(h.client.isOpen()).as("until the client's Close answer").isTrue();
      h.send("\u0088\u0082\0\0\0\0" + new String(new byte[] {0x03, (byte) 0xf4}, StandardCharsets.ISO_8859_1));
      assertThat(h.client.isOpen()).isFalse();
    }
  }

  @Test
  void headNotCompleteWithinTheHeaderReadTimeoutGets408() {
    try (ExchangeHarness h = new ExchangeHarness(1, "    timeouts: { header-read: 2s }\n")) {
      h.send("GET /slow HTTP/1.1\r\nHost: x\r\n");
      h.advance(Duration.ofSeconds(1));
      assertThat(h.clientGot()).isEmpty();
      h.advance(Duration.ofSeconds(2));
      assertThat(h.clientGot()).startsWith("HTTP/1.1 408 ");
      assertThat(h.upstreams).isEmpty();
    }
  }
}
