package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.support.H2Codec;
import dev.keel.proxy.support.H2Wire;
import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.TestBackend;
import java.io.EOFException;
import java.io.IOException;
import java.net.SocketException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** /status and /metrics count HTTP/2 clients' connections and streams; a stopping proxy drains its HTTP/2 clients: two GOAWAYs around a PING, in-flight streams finish, then the close. */
class Http2DrainIntegrationTest {
  private static final int MAX_STREAM_ID = Integer.MAX_VALUE;

  @Test
  void stopLetsInFlightAndCrossingStreamsFinishBetweenTheTwoGoAways() throws Exception {
    try (TestBackend a = new TestBackend("a");
        ProxyFixture proxy = ProxyFixture.of("static://" + a.address(), "");
        H2Wire h2 = H2Wire.connect(proxy.address())) {
      h2.headers(1, H2Wire.request("GET", "/hold"), true);
      h2.flush();
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> a.requests.get() == 1);
      assertThat(admin(proxy, "/status")).contains("\"http2Clients\":{\"connections\":1,\"streams\":1,");
      assertThat(admin(proxy, "/metrics")).containsPattern("keel_proxy_http2_client_streams\\{[^}]*listener=\"web\"[^}]*} 1.0");

      CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> proxy.server.close(Duration.ofSeconds(20)));
      H2Codec.Frame first = h2.await(f -> f.type() == H2Wire.GOAWAY);
      assertThat(first.lastStreamId()).as("the first GOAWAY announces, refusing nothing").isEqualTo(MAX_STREAM_ID);
      assertThat(first.errorCode()).isZero();
      H2Codec.Frame ping = h2.await(f -> f.type() == H2Wire.PING && !f.has(H2Wire.ACK));

      // a stream the client started before it saw the GOAWAY: still served
      h2.headers(3, H2Wire.request("GET", "/crossing"), true);
      h2.frame(H2Wire.PING, H2Wire.ACK, 0, ping.payload());
      h2.flush();
      H2Codec.Frame last = h2.await(f -> f.type() == H2Wire.GOAWAY);
      assertThat(last.lastStreamId()).as("the second GOAWAY names the last stream taken").isEqualTo(3);
      assertThat(h2.response(3).status()).isEqualTo("200");
      assertThat(stopped).as("the proxy waits for the stream still in flight").isNotDone();

      a.release.countDown();
      H2Wire.Response held = h2.response(1);
      assertThat(held.status()).isEqualTo("200");
      assertThat(held.reset).isNull();
      stopped.get(20, TimeUnit.SECONDS);
      assertThat(closedByServer(h2)).isTrue();
    }
  }

  private static String admin(ProxyFixture proxy, String path) throws Exception {
    return proxy.client.send(HttpRequest.newBuilder(proxy.adminUri(path)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  private static boolean closedByServer(H2Wire h2) throws IOException {
    try {
      h2.await(f -> false, 1000);
      return false;
    } catch (EOFException | SocketException e) {
      return true; // a close, or a reset when the close found our last WINDOW_UPDATE unread
    }
  }
}
