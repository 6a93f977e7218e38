package dev.keel.proxy.admin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.RawHttp;
import dev.keel.proxy.support.TestBackend;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin port as an attacker sees it: a web page reading {@code /status} through a DNS name
 * rebound to 127.0.0.1, connections held open or trickled a byte at a time, and many of them.
 */
class AdminHardeningIntegrationTest {
  private static TestBackend backend;
  private static ProxyFixture open;
  private static ProxyFixture withToken;
  private static ProxyFixture limited;

  @BeforeAll
  static void start() throws Exception {
    backend = new TestBackend("a");
    open = new ProxyFixture("registry: static://" + backend.address() + "\n"
        + "admin: { listen: 127.0.0.1:0, allowed-hosts: [ proxy.internal ], timeout: 300ms }\n"
        + "workers: 1\nshutdown-grace: 1s\n"
        + "listeners: [ { name: web, listen: 127.0.0.1:0, service: demo } ]\n");
    limited = new ProxyFixture("registry: static://" + backend.address() + "\n"
        + "admin: { listen: 127.0.0.1:0, max-connections: 2 }\nworkers: 1\nshutdown-grace: 1s\n"
        + "listeners: [ { name: web, listen: 127.0.0.1:0, service: demo } ]\n");
    withToken = new ProxyFixture("registry: static://" + backend.address() + "\n"
        + "admin: { listen: 127.0.0.1:0, token: t0k }\nworkers: 1\nshutdown-grace: 1s\n"
        + "listeners: [ { name: web, listen: 127.0.0.1:0, service: demo } ]\n");
  }

  @AfterAll
  static void stop() {
    open.close();
    limited.close();
    withToken.close();
    backend.close();
  }

  private static InetSocketAddress admin(ProxyFixture p) {
    return Objects.requireNonNull(p.server.adminAddress(), "the fixture enables the admin listener");
  }

  private static String readUntil(InputStream in, String marker) throws Exception {
    StringBuilder got = new StringBuilder();
    int c;
    while (!got.toString().endsWith(marker) && (c = in.read()) >= 0) {
      got.append((char) c);
    }
    return got.toString();
  }

  /** One request with this Host on a new connection; the response text. */
  private static String get(ProxyFixture p, String path, String host, String extraHeaders) throws Exception {
    try (RawHttp c = new RawHttp(admin(p))) {
      return c.send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n" + extraHeaders + "Connection: close\r\n\r\n").readAll();
    }
  }

  @Test
  void withoutATokenOnlyHostsThatCannotBeReboundAreAnswered() throws Exception {
    int port = admin(open).getPort();
    assertThat(RawHttp.status(get(open, "/status", "attacker.example:" + port, ""))).isEqualTo(403);
    assertThat(RawHttp.status(get(open, "/metrics", "attacker.example", ""))).isEqualTo(403);
    assertThat(RawHttp.status(get(open, "/", "rebind.attacker.example:" + port, ""))).isEqualTo(403);
    assertThat(RawHttp.status(get(open, "/status", "127.0.0.1:" + port, ""))).isEqualTo(200);
    assertThat(RawHttp.status(get(open, "/status", "localhost:" + port, ""))).isEqualTo(200);
    assertThat(RawHttp.status(get(open, "/status", "[::1]:" + port, ""))).isEqualTo(200);
    assertThat(RawHttp.status(get(open, "/status", "10.1.2.3", ""))).isEqualTo(200);
    assertThat(RawHttp.status(get(open, "/status", "Proxy.Internal:" + port, ""))).as("admin.allowed-hosts").isEqualTo(200);
    assertThat(RawHttp.status(get(open, "/healthz", "attacker.example", ""))).as("it shows the registry's state").isEqualTo(403);
    assertThat(RawHttp.status(get(open, "/healthz", "10.0.0.7:" + port, ""))).as("probes address by IP").isEqualTo(200);
  }

  @Test
  void withATokenAnyHostIsAnsweredGivenTheToken() throws Exception {
    assertThat(RawHttp.status(get(withToken, "/status", "proxy.example.com", "Authorization: Bearer t0k\r\n"))).isEqualTo(200);
    assertThat(RawHttp.status(get(withToken, "/status", "127.0.0.1", ""))).isEqualTo(401);
    assertThat(RawHttp.status(get(withToken, "/status", "attacker.example", ""))).isEqualTo(403);
    assertThat(RawHttp.status(get(withToken, "/healthz", "attacker.example", ""))).as("no token sent: the Host decides").isEqualTo(403);
  }

  @Test
  void anIdleConnectionIsClosedAfterTheRequestTimeout() throws Exception {
    try (Socket s = new Socket()) {
      s.connect(admin(open), 5_000);
      s.setSoTimeout(10_000);
      // nothing sent: closed by the 300 ms deadline, long before the 10 s read timeout
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
  }

  @Test
  void aRequestTrickledAByteAtATimeIsCut() throws Exception {
    try (Socket s = new Socket()) {
      s.connect(admin(open), 5_000);
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      byte[] request = "GET /status HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: aaaaaaaaaaa\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
      // one byte every 20 ms: each read is far within 300 ms, the whole request (about 1 s) is not
      boolean cut = false;
      for (byte b : request) {
        try {
          out.write(b);
          out.flush();
        } catch (java.io.IOException closed) {
          cut = true;
          break;
        }
        Thread.sleep(20); // pacing the attacker's bytes, not synchronisation
      }
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      RawHttp.readUntilClosed(in, got);
      assertThat(cut || got.size() == 0).as("no answer to the trickled request: " + got).isTrue();
    }
  }

  @Test
  void aKeepAliveConnectionIsClosedOnceIdleAfterItsResponse() throws Exception {
    try (Socket s = new Socket()) {
      s.connect(admin(open), 5_000);
      s.setSoTimeout(10_000);
      s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      assertThat(RawHttp.readUntilClosed(s.getInputStream(), got)).as("closed, not timed out").isTrue();
      assertThat(got.toString(StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200 ").endsWith("ok\n");
    }
  }

  @Test
  void connectionsBeyondTheLimitAreClosedAndTheLimitFreesUp() throws Exception {
    List<Socket> held = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        Socket s = new Socket();
        s.connect(admin(limited), 5_000);
        s.setSoTimeout(10_000);
        held.add(s);
        // answered, so admitted; kept alive (the timeout is 10 s)
        s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(readUntil(s.getInputStream(), "ok\n")).startsWith("HTTP/1.1 200 ");
      }
      try (Socket third = new Socket()) {
        third.connect(admin(limited), 5_000);
        third.setSoTimeout(10_000);
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        assertThat(RawHttp.readUntilClosed(third.getInputStream(), got)).as("the third is closed").isTrue();
        assertThat(got.size()).isZero();
      }
      held.remove(0).close();
      Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() ->
          RawHttp.status(get(limited, "/healthz", "127.0.0.1", "")) == 200);
    } finally {
      for (Socket s : held) {
        s.close();
      }
    }
  }
}
