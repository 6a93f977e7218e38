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
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every request of the hostile corpus ({@code src/test/resources/hostile}, format in {@link HostileRequest})
 * against a real proxy and backend: the expected status; after a 4xx/5xx the connection closed and
 * the backend reached by nothing; an accepted one served once by the service's instance, without
 * the headers it must not carry. Upstream connections are not pooled here
 * ({@code max-idle-per-loop: 0}), so a request refused while its body is decoded cannot ride a
 * connection that is already open.
 */
class HostileCorpusIntegrationTest {
  private static TestBackend backend;
  private static ProxyFixture proxy;

  @BeforeAll
  static void start() throws Exception {
    backend = new TestBackend("a");
    proxy = ProxyFixture.of("static://" + backend.address(),
        "    limits: { max-header-size: 1k, max-uri-length: 256 }\n"
            + "    upstream: { max-idle-per-loop: 0 }\n");
  }

  @AfterAll
  static void stop() {
    proxy.close();
    backend.close();
  }

  @BeforeEach
  void reset() {
    backend.requests.set(0);
    backend.headers.clear();
  }

  static Stream<HostileRequest> corpus() throws IOException, URISyntaxException {
    Path dir = Path.of(HostileCorpusIntegrationTest.class.getResource("/hostile").toURI());
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".http")).sorted()
          .map(HostileRequest::load).toList().stream();
    }
  }

  @Test
  void corpusIsLargeEnough() throws Exception {
    assertThat(corpus().count()).isGreaterThanOrEqualTo(30);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpus")
  void isAnsweredAsExpected(HostileRequest c) throws Exception {
    String resp;
    boolean closed;
    try (Socket s = new Socket()) {
      s.connect(proxy.address(), 5000);
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(c.bytes());
      out.flush();
      if (c.forwarded()) {
        resp = readResponse(s.getInputStream());
        closed = false;
      } else {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        closed = RawHttp.readUntilClosed(s.getInputStream(), buf);
        resp = buf.toString(StandardCharsets.ISO_8859_1);
      }
    }
    assertThat(resp).as(c + "\n" + resp).startsWith("HTTP/1.1 " + c.status() + " ");
    if (c.forwarded()) {
      assertThat(resp).as("served by the service's instance").endsWith("\r\n\r\na");
      assertThat(backend.requests.get()).as("requests forwarded").isEqualTo(1);
      for (String h : c.absent()) {
        assertThat(backend.lastHeader(h)).as("header %s at the backend", h).isEmpty();
      }
    } else {
      assertThat(closed).as("connection closed after " + c.status()).isTrue();
      assertThat(resp.toLowerCase(Locale.ROOT)).contains("connection: close");
      assertThat(backend.requests.get()).as("requests forwarded").isZero();
    }
  }

  /** One response with a Content-Length body (what the test backend sends). */
  private static String readResponse(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    while (!buf.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int c = in.read();
      if (c < 0) {
        return buf.toString(StandardCharsets.ISO_8859_1);
      }
      buf.write(c);
    }
    String head = buf.toString(StandardCharsets.ISO_8859_1);
    int length = 0;
    for (String line : head.split("\r\n")) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    buf.write(in.readNBytes(length));
    return buf.toString(StandardCharsets.ISO_8859_1);
  }
}
