package dev.keel.proxy.h2up;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.keel.proxy.support.H2TestServer;
import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.RawHttp;
import dev.keel.proxy.upstream.Backend;
import io.netty.handler.codec.http2.Http2Headers;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/1.1 clients through the proxy to a real HTTP/2 cleartext instance (Netty's server codec):
 * the request translated (Host to :authority, hop-by-hop fields out, {@code te: trailers} kept),
 * bodies and trailers both ways, and the instance's SETTINGS_MAX_CONCURRENT_STREAMS respected by
 * opening another connection.
 */
@SuppressWarnings("NullAway.Init") // set by each test before use, closed after it
class Http2UpstreamIntegrationTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private H2TestServer instance;
  private ProxyFixture proxy;

  private void start(int maxStreams, String upstreamYaml) throws Exception {
    instance = new H2TestServer("h2-a", maxStreams);
    proxy = ProxyFixture.of("static://" + instance.address(), "    upstream: { protocol: h2c" + upstreamYaml + " }\n");
  }

  @AfterEach
  void stop() throws Exception {
    if (proxy != null) {
      proxy.close();
    }
    if (instance != null) {
      instance.close();
    }
  }

  @Test
  void getIsTranslatedToHeadersWithAuthorityAndWithoutHopByHopFields() throws Exception {
    start(0, "");
    try (RawHttp c = new RawHttp(proxy.address())) {
      String resp = c.send("GET /who?x=1 HTTP/1.1\r\nHost: orders.example\r\nConnection: keep-alive, X-Drop\r\n"
          + "X-Drop: 1\r\nKeep-Alive: 5\r\nTE: trailers, deflate\r\nX-Keep: yes\r\n\r\n").readUntil("h2-a");
      // the instance sent no content-length: chunked to the HTTP/1.1 client
      assertThat(resp).startsWith("HTTP/1.1 200 OK\r\n").contains("transfer-encoding: chunked\r\n").endsWith("\r\n\r\n4\r\nh2-a");
    }
    Http2Headers h = instance.requests.get(0);
    assertThat(h.method().toString()).isEqualTo("GET");
    assertThat(h.path().toString()).isEqualTo("/who?x=1");
    assertThat(h.scheme().toString()).isEqualTo("http");
    assertThat(h.authority().toString()).isEqualTo("orders.example");
    assertThat(h.get("te").toString()).isEqualTo("trailers");
    assertThat(h.get("x-keep").toString()).isEqualTo("yes");
    assertThat(h.get("x-forwarded-for")).isNotNull();
    for (String gone : List.of("host", "connection", "keep-alive", "x-drop", "transfer-encoding", "upgrade")) {
      assertThat(h.contains(gone)).as(gone).isFalse();
    }
  }

  @Test
  void chunkedUploadWithTrailersIsStreamedBackWithTheInstancesTrailers() throws Exception {
    start(0, "");
    try (RawHttp c = new RawHttp(proxy.address())) {
      String resp = c.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: x-sum\r\n\r\n"
          + "5\r\nhello\r\n6\r\n world\r\n0\r\nx-sum: 11\r\n\r\n").readUntil("\r\n0\r\n");
      String rest = c.readUntil("\r\n\r\n");
      assertThat(resp).startsWith("HTTP/1.1 200 OK\r\n").contains("transfer-encoding: chunked\r\n");
      assertThat(resp.substring(resp.indexOf("\r\n\r\n") + 4)).contains("hello").contains(" world");
      assertThat(rest).isEqualTo("x-echoed: 11\r\n\r\n");
    }
    Http2Headers h = instance.requests.get(0);
    assertThat(h.method().toString()).isEqualTo("POST");
    assertThat(h.contains("transfer-encoding")).isFalse();
    assertThat(instance.trailers.get(0).get("x-sum").toString()).isEqualTo("11");
  }

  @Test
  void grpcStyleTrailersReachAnHttp11ClientAsChunkedTrailers() throws Exception {
    start(0, "");
    try (RawHttp c = new RawHttp(proxy.address())) {
      String resp = c.send("POST /trailers HTTP/1.1\r\nHost: x\r\nContent-Type: application/grpc\r\nTE: trailers\r\n"
          + "Content-Length: 0\r\n\r\n").readUntil("grpc-message: fine\r\n\r\n");
      assertThat(resp).startsWith("HTTP/1.1 200 OK\r\n").contains("content-type: application/grpc\r\n")
          .contains("7\r\npayload\r\n0\r\ngrpc-status: 0\r\ngrpc-message: fine\r\n\r\n");
    }
  }

  @Test
  void aFullConnectionMakesTheProxyOpenAnotherOneToTheInstance() throws Exception {
    start(2, "");
    List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      calls.add(proxy.client.sendAsync(HttpRequest.newBuilder(proxy.uri("/hold/" + i)).timeout(Duration.ofSeconds(20)).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
    // five streams held open at once on an instance that takes two per connection: three connections
    await().atMost(Duration.ofSeconds(20)).until(() -> instance.held() == 5);
    assertThat(instance.connectionsAccepted.get()).isEqualTo(3);
    Backend b = java.util.Objects.requireNonNull(proxy.server.listeners().get(0).picker(), "one service").backends().get(0);
    assertThat(b.connections()).isEqualTo(3);
    assertThat(b.streams()).isEqualTo(5);
    JsonNode listener = JSON.readTree(proxy.client.send(HttpRequest.newBuilder(proxy.adminUri("/status")).build(),
        HttpResponse.BodyHandlers.ofString()).body()).get("listeners").get(0);
    assertThat(listener.get("upstream").get("protocol").asText()).isEqualTo("h2c");
    assertThat(listener.get("upstream").get("connections").asInt()).isEqualTo(3);
    assertThat(listener.get("upstream").get("streams").asInt()).isEqualTo(5);
    assertThat(listener.get("backends").get(0).get("streams").asInt()).isEqualTo(5);
    assertThat(listener.get("backends").get(0).get("activeConnections").asInt()).isEqualTo(3);
    String metrics = proxy.client.send(HttpRequest.newBuilder(proxy.adminUri("/metrics")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    assertThat(metrics).containsPattern("keel_proxy_backend_streams\\{[^}]*protocol=\"h2c\"[^}]*} 5\\.0")
        .containsPattern("keel_proxy_upstream_connections\\{[^}]*protocol=\"h2c\"[^}]*} 3\\.0");
    instance.releaseHeld();
    for (CompletableFuture<HttpResponse<String>> f : calls) {
      assertThat(f.get().statusCode()).isEqualTo(200);
      assertThat(f.get().body()).isEqualTo("held h2-a");
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> b.streams() == 0);
  }
}
