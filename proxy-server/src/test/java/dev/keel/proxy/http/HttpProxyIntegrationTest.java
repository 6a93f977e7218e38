package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.RawHttp;
import dev.keel.proxy.support.TestBackend;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpProxyIntegrationTest {
  private TestBackend a;
  private TestBackend b;
  private ProxyFixture proxy;

  @BeforeEach
  void start() throws Exception {
    a = new TestBackend("a");
    b = new TestBackend("b");
    proxy = ProxyFixture.of("static://" + a.address() + "," + b.address(), "    trusted-proxies: [ 10.0.0.0/8 ]\n");
  }

  @AfterEach
  void stop() {
    proxy.close();
    a.close();
    b.close();
  }

  @Test
  void roundRobinSpreadsRequestsEvenlyOverBothBackends() throws Exception {
    List<String> bodies = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> r = proxy.get("/hello");
      assertThat(r.statusCode()).isEqualTo(200);
      bodies.add(r.body());
    }
    assertThat(bodies).filteredOn("a"::equals).hasSize(5);
    assertThat(bodies).filteredOn("b"::equals).hasSize(5);
  }

  @Test
  void upstreamConnectionsAreKeptAliveAndReused() throws Exception {
    for (int i = 0; i < 20; i++) {
      assertThat(proxy.get("/x").statusCode()).isEqualTo(200);
    }
    // sequential requests from one client connection: at most a couple of upstream connections each
    assertThat(a.remotePorts.size() + b.remotePorts.size()).isLessThanOrEqualTo(4);
    assertThat(a.requests.get() + b.requests.get()).isEqualTo(20);
  }

  @Test
  void hopByHopAndConnectionListedHeadersAreStrippedBothWays() throws Exception {
    try (RawHttp raw = new RawHttp(proxy.address())) {
      String resp = raw.send("GET /h HTTP/1.1\r\nHost: example\r\nConnection: close, X-Drop\r\nX-Drop: 1\r\n"
          + "Keep-Alive: 300\r\nProxy-Connection: keep-alive\r\nTE: trailers\r\nX-Keep: 2\r\n\r\n").readAll();
      assertThat(RawHttp.status(resp)).isEqualTo(200);
      assertThat(resp.toLowerCase(Locale.ROOT)).doesNotContain("x-secret").doesNotContain("keep-alive:").contains("connection: close");
    }
    TestBackend hit = a.requests.get() > 0 ? a : b;
    assertThat(hit.lastHeader("X-Drop")).isEmpty();
    assertThat(hit.lastHeader("Keep-Alive")).isEmpty();
    assertThat(hit.lastHeader("Proxy-Connection")).isEmpty();
    assertThat(hit.lastHeader("TE")).isEmpty();
    assertThat(hit.lastHeader("X-Keep")).containsExactly("2");
    assertThat(hit.lastHeader("Host")).containsExactly("example");
  }

  @Test
  void forwardedHeadersAreReplacedWhenThePeerIsNotTrusted() throws Exception {
    try (RawHttp raw = new RawHttp(proxy.address())) {
      String resp = raw.send("GET / HTTP/1.1\r\nHost: shop.test\r\nX-Forwarded-For: 6.6.6.6\r\n"
          + "X-Forwarded-Host: evil\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n").readAll();
      assertThat(RawHttp.status(resp)).isEqualTo(200);
    }
    TestBackend hit = a.requests.get() > 0 ? a : b;
    assertThat(hit.lastHeader("X-Forwarded-For")).containsExactly("127.0.0.1");
    assertThat(hit.lastHeader("X-Forwarded-Host")).containsExactly("shop.test");
    assertThat(hit.lastHeader("X-Forwarded-Proto")).containsExactly("http");
  }

  @Test
  void forwardedForIsAppendedWhenThePeerIsTrusted() throws Exception {
    proxy.close();
    proxy = ProxyFixture.of("static://" + a.address(), "    trusted-proxies: [ 127.0.0.0/8 ]\n");
    try (RawHttp raw = new RawHttp(proxy.address())) {
      raw.send("GET / HTTP/1.1\r\nHost: shop.test\r\nX-Forwarded-For: 203.0.113.9\r\nX-Forwarded-Proto: https\r\nConnection: close\r\n\r\n").readAll();
    }
    assertThat(a.lastHeader("X-Forwarded-For")).containsExactly("203.0.113.9, 127.0.0.1");
    assertThat(a.lastHeader("X-Forwarded-Proto")).containsExactly("https");
  }

  @Test
  void absoluteFormTargetDoesNotChooseTheUpstream() throws Exception {
    try (RawHttp raw = new RawHttp(proxy.address())) {
      String resp = raw.send("GET http://127.0.0.1:1/elsewhere?q=1 HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n").readAll();
      assertThat(RawHttp.status(resp)).isEqualTo(200);
      assertThat(resp).endsWith(a.requests.get() > 0 ? "a" : "b");
    }
    TestBackend hit = a.requests.get() > 0 ? a : b;
    assertThat(hit.lastHeader("Host")).containsExactly("127.0.0.1:1");
  }

  @Test
  void postBodiesStreamThroughWithContentLengthAndChunked() throws Exception {
    byte[] big = new byte[3 * 1024 * 1024];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) ('a' + i % 26);
    }
    HttpResponse<byte[]> r = proxy.client.send(HttpRequest.newBuilder(proxy.uri("/echo")).timeout(Duration.ofSeconds(20))
        .POST(HttpRequest.BodyPublishers.ofByteArray(big)).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(big);
    try (RawHttp raw = new RawHttp(proxy.address())) {
      String resp = raw.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
          + "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n").readAll();
      assertThat(RawHttp.status(resp)).isEqualTo(200);
      assertThat(resp).contains("hello").contains(" world");
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    try (RawHttp raw = new RawHttp(proxy.address())) {
      String resp = raw.send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\nGET /2 HTTP/1.1\r\nHost: x\r\n\r\n"
          + "GET /3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").readAll();
      assertThat(resp.split("HTTP/1.1 200 OK", -1)).hasSize(4);
    }
  }

  @Test
  void headRequestGetsHeadersOnly() throws Exception {
    HttpResponse<String> r = proxy.client.send(HttpRequest.newBuilder(proxy.uri("/")).method("HEAD", HttpRequest.BodyPublishers.noBody())
        .build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEmpty();
    // the connection is still usable afterwards
    assertThat(proxy.get("/").statusCode()).isEqualTo(200);
  }

  @Test
  void expectContinueIsAnsweredBeforeTheBodyIsSent() throws Exception {
    try (RawHttp raw = new RawHttp(proxy.address())) {
      String interim = raw.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n")
          .readUntil("\r\n\r\n");
      assertThat(interim).startsWith("HTTP/1.1 100 Continue");
      String resp = raw.send("abcde").readAll();
      assertThat(RawHttp.status(resp)).isEqualTo(200);
      assertThat(resp).contains("\r\nabcde\r\n");
    }
    TestBackend hit = a.requests.get() > 0 ? a : b;
    assertThat(hit.lastHeader("Expect")).isEmpty();
  }

  @Test
  void http10ClientGetsAClosedDelimitedOrLengthFramedResponse() throws Exception {
    try (RawHttp raw = new RawHttp(proxy.address())) {
      String resp = raw.send("GET /echo HTTP/1.0\r\n\r\n").readAll();
      assertThat(RawHttp.status(resp)).isEqualTo(200);
      assertThat(resp.toLowerCase(Locale.ROOT)).doesNotContain("transfer-encoding");
    }
    assertThat(new String("ok".getBytes(StandardCharsets.US_ASCII), StandardCharsets.US_ASCII)).isEqualTo("ok");
  }
}
