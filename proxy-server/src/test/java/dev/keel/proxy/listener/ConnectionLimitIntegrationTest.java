package dev.keel.proxy.listener;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.RawHttp;
import dev.keel.proxy.support.TestBackend;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** {@code max-connections} on an http listener: the probe held 200 connections to a listener capped at 10. */
class ConnectionLimitIntegrationTest {
  private static Socket open(ProxyFixture p) throws Exception {
    Socket s = new Socket();
    s.setSoTimeout(10_000);
    s.connect(p.address(), 5_000);
    return s;
  }

  /** A keep-alive request on {@code s}: answered (true), or the connection closed (false). */
  private static boolean answered(Socket s) throws Exception {
    s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    StringBuilder got = new StringBuilder();
    int c;
    while (!got.toString().endsWith("\r\n\r\na") && (c = s.getInputStream().read()) >= 0) {
      got.append((char) c);
    }
    return RawHttp.status(got.toString()) == 200;
  }

  @Test
  void anHttpListenerHoldsNoMoreThanItsMaxConnections() throws Exception {
    List<Socket> held = new ArrayList<>();
    try (TestBackend a = new TestBackend("a"); ProxyFixture p = ProxyFixture.of("static://" + a.address(), "    max-connections: 10\n")) {
      for (int i = 0; i < 10; i++) {
        Socket s = open(p);
        held.add(s);
        assertThat(answered(s)).as("connection %d of 10", i + 1).isTrue();
      }
      try (Socket eleventh = open(p)) {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        assertThat(RawHttp.readUntilClosed(eleventh.getInputStream(), got)).as("the 11th is closed").isTrue();
        assertThat(got.size()).isZero();
      }
      assertThat(p.server.listeners().get(0).gate().refused()).isEqualTo(1);
      held.remove(0).close();
      // once one of the ten is gone, a new connection is served again
      Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
        try (Socket s = open(p)) {
          return answered(s);
        }
      });
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }
}
