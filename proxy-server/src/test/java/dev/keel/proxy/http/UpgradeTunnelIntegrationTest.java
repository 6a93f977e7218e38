package dev.keel.proxy.http;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.RawHttp;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** WebSocket upgrades become byte tunnels: the backend answers 101 and echoes what it receives. */
class UpgradeTunnelIntegrationTest {
  private static ServerSocket echoAfterUpgrade(AtomicReference<String> head) throws Exception {
    ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread t = new Thread(() -> {
      while (!s.isClosed()) {
        try (Socket c = s.accept()) {
          InputStream in = c.getInputStream();
          ByteArrayOutputStream h = new ByteArrayOutputStream();
          while (!h.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
              break;
            }
            h.write(b);
          }
          head.set(h.toString(StandardCharsets.ISO_8859_1));
          OutputStream out = c.getOutputStream();
          out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
              + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
          out.flush();
          byte[] buf = new byte[1024];
          int n;
          while ((n = in.read(buf)) > 0) {
            out.write(buf, 0, n);
            out.flush();
          }
        } catch (Exception e) {
          return;
        }
      }
    }, "ws-echo");
    t.setDaemon(true);
    t.start();
    return s;
  }

  @Test
  void websocketUpgradeTunnelsBytesBothWays() throws Exception {
    AtomicReference<String> head = new AtomicReference<>("");
    try (ServerSocket backend = echoAfterUpgrade(head);
        ProxyFixture proxy = ProxyFixture.of("static://127.0.0.1:" + backend.getLocalPort(), "")) {
      try (RawHttp raw = new RawHttp(proxy.address())) {
        String resp = raw.send("GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").readUntil("\r\n\r\n");
        assertThat(resp).startsWith("HTTP/1.1 101");
        assertThat(resp.toLowerCase(Locale.ROOT)).contains("upgrade: websocket").contains("connection: upgrade");
        assertThat(raw.send("ping-1").readUntil("ping-1")).endsWith("ping-1");
        assertThat(raw.send("ping-2").readUntil("ping-2")).endsWith("ping-2");
      }
      assertThat(requireNonNull(head.get()).toLowerCase(Locale.ROOT)).contains("upgrade: websocket").contains("connection: upgrade")
          .contains("sec-websocket-key: dghlihnhbxbszsbub25jzq==");
    }
  }

  @Test
  void h2cUpgradeIsNotPassedOn() throws Exception {
    AtomicReference<String> head = new AtomicReference<>("");
    try (ServerSocket backend = echoAfterUpgrade(head);
        ProxyFixture proxy = ProxyFixture.of("static://127.0.0.1:" + backend.getLocalPort(), "")) {
      try (RawHttp raw = new RawHttp(proxy.address())) {
        String resp = raw.send("GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\n"
            + "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n").readAll();
        // the request went without Upgrade; the backend's unsolicited 101 is refused as a bad gateway
        assertThat(RawHttp.status(resp)).isEqualTo(502);
      }
      assertThat(requireNonNull(head.get()).toLowerCase(Locale.ROOT)).doesNotContain("upgrade").doesNotContain("http2-settings");
    }
  }
}
