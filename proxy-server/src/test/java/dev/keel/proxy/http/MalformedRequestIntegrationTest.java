package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.RawHttp;
import dev.keel.proxy.support.TestBackend;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Ambiguous or malformed requests are answered by the proxy, the connection closed, and nothing forwarded. */
class MalformedRequestIntegrationTest {
  private static TestBackend backend;
  private static ProxyFixture proxy;

  @BeforeAll
  static void start() throws Exception {
    backend = new TestBackend("a");
    proxy = ProxyFixture.of("static://" + backend.address(),
        "    limits: { max-header-size: 1k, max-uri-length: 256 }\n");
  }

  @AfterAll
  static void stop() {
    proxy.close();
    backend.close();
  }

  @BeforeEach
  void reset() {
    backend.requests.set(0);
  }

  static Stream<Arguments> cases() {
    String longHeader = "X-Big: " + "a".repeat(2000) + "\r\n";
    return Stream.of(
        Arguments.of("content-length and transfer-encoding", 400,
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        Arguments.of("different content-lengths", 400,
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"),
        Arguments.of("duplicate equal content-lengths", 400,
            "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello"),
        Arguments.of("transfer-encoding other than chunked", 400,
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n"),
        Arguments.of("xchunked with content-length", 400,
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\nContent-Length: 3\r\n\r\nabc"),
        Arguments.of("chunked, chunked", 400,
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n"),
        Arguments.of("two transfer-encoding headers", 400,
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
        Arguments.of("missing host", 400, "GET / HTTP/1.1\r\n\r\n"),
        Arguments.of("duplicate host", 400, "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"),
        Arguments.of("invalid host", 400, "GET / HTTP/1.1\r\nHost: a b@c\r\n\r\n"),
        Arguments.of("bad header name", 400, "GET / HTTP/1.1\r\nHost: x\r\nBad Name: v\r\n\r\n"),
        Arguments.of("space before colon", 400, "GET / HTTP/1.1\r\nHost: x\r\nX-A : v\r\n\r\n"),
        Arguments.of("NUL in header value", 400, "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\u0000b\r\n\r\n"),
        Arguments.of("bare CR in header value", 400, "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n"),
        Arguments.of("obs-fold", 400, "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n"),
        Arguments.of("bad chunk size", 400,
            "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n"),
        Arguments.of("oversized headers", 431, "GET / HTTP/1.1\r\nHost: x\r\n" + longHeader + "\r\n"),
        Arguments.of("oversized uri", 414, "GET /" + "u".repeat(300) + " HTTP/1.1\r\nHost: x\r\n\r\n"),
        Arguments.of("http/3.0", 505, "GET / HTTP/3.0\r\nHost: x\r\n\r\n"),
        Arguments.of("http/1.2", 505, "GET / HTTP/1.2\r\nHost: x\r\n\r\n"),
        Arguments.of("connect", 405, "CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n"),
        Arguments.of("relative target", 400, "GET foo HTTP/1.1\r\nHost: x\r\n\r\n"),
        Arguments.of("asterisk target on GET", 400, "GET * HTTP/1.1\r\nHost: x\r\n\r\n"),
        Arguments.of("unknown expectation", 417,
            "POST / HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nContent-Length: 1\r\n\r\na"));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("cases")
  void isRefusedClosedAndNeverForwarded(String name, int status, String request) throws Exception {
    String resp;
    try (RawHttp raw = new RawHttp(proxy.address())) {
      resp = raw.send(request).readAll();
    }
    assertThat(RawHttp.status(resp)).as(resp).isEqualTo(status);
    assertThat(resp.toLowerCase(Locale.ROOT)).contains("connection: close");
    assertThat(backend.requests.get()).as("requests forwarded").isZero();
  }
}
