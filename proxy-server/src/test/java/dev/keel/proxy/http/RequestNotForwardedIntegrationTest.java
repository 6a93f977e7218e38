package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.RawBackend;
import dev.keel.proxy.support.RawHttp;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What reaches an instance, byte for byte (a raw backend records it): a request whose framing turns
 * out invalid in the bytes that came with its head is refused with 400 before any byte of it is sent
 * (issue 16); request trailers lose what heads lose: hop-by-hop and framing fields, Host, the
 * proxy's client-address fields (issue 21 item 8).
 */
class RequestNotForwardedIntegrationTest {
  private static RawBackend backend;
  private static ProxyFixture proxy;

  @BeforeAll
  static void start() throws Exception {
    backend = new RawBackend();
    // one event loop, so the warm-up GET leaves an idle pooled connection for the request under test
    proxy = new ProxyFixture("registry: static://" + backend.address() + "\n"
        + "admin: { listen: 127.0.0.1:0 }\nworkers: 1\nshutdown-grace: 1s\n"
        + "listeners:\n  - name: web\n    listen: 127.0.0.1:0\n    service: demo\n");
  }

  @AfterAll
  static void stop() {
    proxy.close();
    backend.close();
  }

  @BeforeEach
  void warmUpAndForget() throws Exception {
    assertThat(proxy.get("/warm").statusCode()).isEqualTo(200);
    backend.forget();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {
      "5;x\nhello\r\n0\r\n\r\n",          // bare LF ending a chunk-size line with an extension
      "5;a=\"b\rc\"\r\nhello\r\n0\r\n\r\n", // CR inside a chunk extension
      "zz\r\nhello\r\n0\r\n\r\n",          // chunk size not hex
      "5\r\nhelloXX0\r\n\r\n",             // chunk data not followed by CRLF
  })
  void chunkedBodyMalformedInTheHeadsReadGets400AndNoByteReachesTheInstance(String body) throws Exception {
    String request = "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body;
    String response;
    try (Socket s = new Socket()) {
      s.connect(proxy.address(), 5000);
      s.setSoTimeout(10_000);
      s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().flush();
      ByteArrayOutputStream got = new ByteArrayOutputStream();
      assertThat(RawHttp.readUntilClosed(s.getInputStream(), got)).as("closed after the 400").isTrue();
      response = got.toString(StandardCharsets.ISO_8859_1);
    }
    assertThat(response).as(response).startsWith("HTTP/1.1 400 ");
    // a GET on a fresh connection afterwards proves the instance is reachable, and orders the check
    assertThat(proxy.get("/after").statusCode()).isEqualTo(200);
    assertThat(backend.all()).as("bytes at the instance").doesNotContain("/up").startsWith("GET /after ");
  }

  @Test
  void requestTrailersLoseHopByHopFramingHostAndClientAddressFields() throws Exception {
    String request = "POST /trail HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: x-secret\r\n\r\n"
        + "5\r\nhello\r\n0\r\n"
        + "Host: evil.example\r\n"
        + "X-Forwarded-For: 6.6.6.6\r\n"
        + "X-Forwarded-Host: evil.example\r\n"
        + "X-Forwarded-Proto: https\r\n"
        + "Forwarded: for=6.6.6.6\r\n"
        + "X-Real-IP: 6.6.6.6\r\n"
        + "Connection: close\r\n"
        + "Keep-Alive: timeout=1\r\n"
        + "Upgrade: websocket\r\n"
        + "Proxy-Authorization: Basic eA==\r\n"
        + "Expect: 100-continue\r\n"
        + "X-Secret: named in Connection\r\n"
        + "Checksum: abc123\r\n"
        + "\r\n";
    try (RawHttp c = new RawHttp(proxy.address())) {
      String response = c.send(request).readUntil("\r\n\r\nok");
      assertThat(response).startsWith("HTTP/1.1 200 ");
    }
    String got = backend.all();
    int bodyEnd = got.indexOf("\r\n0\r\n");
    assertThat(bodyEnd).as(got).isPositive();
    String trailers = got.substring(bodyEnd + 5).toLowerCase(Locale.ROOT);
    assertThat(trailers).as("trailers at the instance").contains("checksum: abc123\r\n")
        .doesNotContain("host:").doesNotContain("x-forwarded-").doesNotContain("forwarded:")
        .doesNotContain("x-real-ip").doesNotContain("connection:").doesNotContain("keep-alive")
        .doesNotContain("upgrade").doesNotContain("proxy-authorization").doesNotContain("expect")
        .doesNotContain("x-secret");
  }
}
