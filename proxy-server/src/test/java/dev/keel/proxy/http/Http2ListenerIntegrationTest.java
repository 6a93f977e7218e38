package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.support.H2Codec;
import dev.keel.proxy.support.H2Wire;
import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.RawHttp;
import dev.keel.proxy.support.TestBackend;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** HTTP/2 clients (prior knowledge, clear text) through an HTTP listener to HTTP/1.1 instances. */
class Http2ListenerIntegrationTest {
  private TestBackend a;
  private TestBackend b;
  private ProxyFixture proxy;

  @BeforeEach
  void start() throws Exception {
    a = new TestBackend("a");
    b = new TestBackend("b");
    proxy = ProxyFixture.of("static://" + a.address() + "," + b.address(), "");
  }

  @AfterEach
  void stop() {
    proxy.close();
    a.close();
    b.close();
  }

  @Test
  void http2WithPriorKnowledgeAndHttp11ShareOnePort() throws Exception {
    try (H2Wire h2 = H2Wire.connect(proxy.address())) {
      h2.headers(1, H2Wire.request("GET", "/hello"), true);
      h2.flush();
      H2Wire.Response r = h2.response(1);
      assertThat(r.status()).isEqualTo("200");
      assertThat(r.text()).isIn("a", "b");
    }
    assertThat(proxy.get("/hello").statusCode()).isEqualTo(200);
    assertThat(proxy.server.listeners().get(0).stats().requests()).isEqualTo(2);
  }

  @Test
  void everyStreamOfOneConnectionIsBalancedOnItsOwn() throws Exception {
    List<String> bodies = new ArrayList<>();
    try (H2Wire h2 = H2Wire.connect(proxy.address())) {
      for (int i = 0; i < 10; i++) {
        int id = 1 + 2 * i;
        h2.headers(id, H2Wire.request("GET", "/n" + i), true);
        h2.flush();
        bodies.add(h2.response(id).text()); // one at a time: round robin alternates
      }
    }
    assertThat(bodies).filteredOn("a"::equals).hasSize(5);
    assertThat(bodies).filteredOn("b"::equals).hasSize(5);
  }

  @Test
  void concurrentStreamsOfOneConnectionAllComplete() throws Exception {
    try (H2Wire h2 = H2Wire.connect(proxy.address())) {
      for (int i = 0; i < 40; i++) {
        h2.headers(1 + 2 * i, H2Wire.request("GET", "/c" + i), true);
      }
      h2.flush();
      int done = 0;
      List<String> statuses = new ArrayList<>();
      while (done < 40) {
        H2Codec.Frame f = h2.read();
        if (f.type() == H2Codec.HEADERS && f.headers().status() != null) {
          statuses.add(f.streamId() + ":" + f.headers().status());
        }
        // the flag bit END_STREAM is ACK on SETTINGS and PING (stream 0): a SETTINGS ACK that arrives
        // late, on a busy machine, must not count as a stream's end
        if (f.streamId() != 0 && f.has(H2Wire.END_STREAM)) {
          done++;
        }
        assertThat(f.type()).isNotIn(H2Wire.RST_STREAM, H2Wire.GOAWAY);
      }
      assertThat(statuses).as("every stream answered by an instance").hasSize(40).allMatch(x -> x.endsWith(":200"));
    }
    assertThat(a.requests.get() + b.requests.get()).isEqualTo(40);
  }

  @Test
  void requestReachesTheInstanceAsHttp11WithTheAuthorityAsHostAndOneCookieLine() throws Exception {
    try (H2Wire h2 = H2Wire.connect(proxy.address())) {
      h2.headers(1, H2Wire.request("GET", "/h?q=1", "te", "trailers", "cookie", "a=1", "cookie", "b=2",
          "x-app", "kept"), true);
      h2.flush();
      assertThat(h2.response(1).status()).isEqualTo("200");
    }
    TestBackend hit = a.requests.get() > 0 ? a : b;
    assertThat(hit.lastHeader("Host")).containsExactly("test.local");
    assertThat(hit.lastHeader("Cookie")).containsExactly("a=1; b=2");
    assertThat(hit.lastHeader("TE")).isEmpty();
    assertThat(hit.lastHeader("X-App")).containsExactly("kept");
    assertThat(hit.lastHeader("X-Forwarded-Proto")).containsExactly("http");
    assertThat(hit.lastHeader("X-Forwarded-Host")).containsExactly("test.local");
  }

  @Test
  void responseReachesTheClientWithoutConnectionSpecificFields() throws Exception {
    try (H2Wire h2 = H2Wire.connect(proxy.address())) {
      h2.headers(1, H2Wire.request("GET", "/r"), true);
      h2.flush();
      H2Wire.Response r = h2.response(1);
      assertThat(r.headers.get("x-backend")).isNotNull();
      assertThat(r.headers.get("content-length").toString()).isEqualTo("1");
      // the instance sends Connection: X-Secret, X-Secret and Keep-Alive: all hop-by-hop
      assertThat(r.headers.contains("connection")).isFalse();
      assertThat(r.headers.contains("keep-alive")).isFalse();
      assertThat(r.headers.contains("x-secret")).isFalse();
    }
  }

  @Test
  void largeBodiesStreamBothWaysWithARealHttp2Client() throws Exception {
    OkHttpClient client = new OkHttpClient.Builder().protocols(List.of(Protocol.H2_PRIOR_KNOWLEDGE)).build();
    byte[] body = new byte[3 * 1024 * 1024 + 17];
    for (int i = 0; i < body.length; i++) {
      body[i] = (byte) (i * 31);
    }
    try {
      Request up = new Request.Builder().url(proxy.uri("/echo").toString())
          .post(RequestBody.create(body, MediaType.get("application/octet-stream"))).build();
      try (Response r = client.newCall(up).execute()) {
        assertThat(r.protocol()).isEqualTo(Protocol.H2_PRIOR_KNOWLEDGE);
        assertThat(r.code()).isEqualTo(200);
        assertThat(r.body().bytes()).isEqualTo(body);
      }
      Request down = new Request.Builder().url(proxy.uri("/bytes?n=5000000").toString()).build();
      try (Response r = client.newCall(down).execute()) {
        assertThat(r.body().bytes()).hasSize(5_000_000);
      }
    } finally {
      client.connectionPool().evictAll();
      client.dispatcher().executorService().shutdown();
    }
  }

  @Test
  void noInstanceIsAPlain503ForHttp2Requests() throws Exception {
    try (ProxyFixture empty = ProxyFixture.of("memory://h2-empty-" + System.nanoTime(), "");
        H2Wire h2 = H2Wire.connect(empty.address())) {
      h2.headers(1, H2Wire.request("GET", "/x"), true);
      h2.flush();
      H2Wire.Response r = h2.response(1);
      assertThat(r.status()).isEqualTo("503");
      assertThat(r.text()).startsWith("503");
      // the connection stays usable: a refused stream is not a broken connection
      h2.headers(3, H2Wire.request("GET", "/y"), true);
      h2.flush();
      assertThat(h2.response(3).status()).isEqualTo("503");
    }
  }

  @Test
  void http2FalseLeavesTheListenerSpeakingHttp11Only() throws Exception {
    try (ProxyFixture h1 = ProxyFixture.of("static://" + a.address(), "    http2: false\n");
        RawHttp raw = new RawHttp(h1.address())) {
      String answer = raw.send("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").readAll();
      assertThat(answer).startsWith("HTTP/1.1 ");
      assertThat(RawHttp.status(answer)).isBetween(400, 505);
      assertThat(h1.get("/ok").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void h2cUpgradeIsNeitherOfferedNorForwarded() throws Exception {
    try (RawHttp raw = new RawHttp(proxy.address())) {
      String resp = raw.send("GET /u HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
          + "HTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\nConnection: close\r\n\r\n").readAll();
      assertThat(RawHttp.status(resp)).isEqualTo(200); // answered over HTTP/1.1, not 101
    }
    TestBackend hit = a.requests.get() > 0 ? a : b;
    assertThat(hit.lastHeader("Upgrade")).isEmpty();
    assertThat(hit.lastHeader("HTTP2-Settings")).isEmpty();
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
