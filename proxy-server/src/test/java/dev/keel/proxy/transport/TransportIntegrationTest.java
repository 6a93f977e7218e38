package dev.keel.proxy.transport;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.TestBackend;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * One proxy per transport this machine runs, forced with {@code keel.proxy.transport}: an http
 * listener (keep-alive requests and a body larger than the socket buffers, both ways) and a tcp
 * listener (a relay with a half-close) work on each, and {@code /status} names the transport. The
 * rest of the suite runs on the default one (io_uring where it is available).
 */
class TransportIntegrationTest {
  @AfterEach
  void clear() {
    System.clearProperty(Transport.PROPERTY);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void httpAndTcpListenersProxyOnEachAvailableTransport(Transport transport) throws Exception {
    assumeTrue(transport.isAvailable(), () -> transport + " is not available here");
    System.setProperty(Transport.PROPERTY, transport.toString());
    try (TestBackend a = new TestBackend("a");
        ProxyFixture proxy = ProxyFixture.of("static://" + a.address(),
            "  - { name: tunnel, listen: 127.0.0.1:0, protocol: tcp, service: demo }\n")) {
      assertThat(proxy.server.transport()).isEqualTo(transport);

      for (int i = 0; i < 3; i++) {
        HttpResponse<String> r = proxy.get("/");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("a");
      }
      byte[] body = new byte[4 * 1024 * 1024];
      Arrays.fill(body, (byte) 'x');
      HttpResponse<byte[]> echoed = proxy.client.send(HttpRequest.newBuilder(proxy.uri("/echo"))
          .timeout(Duration.ofSeconds(20)).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertThat(echoed.statusCode()).isEqualTo(200);
      assertThat(echoed.body()).isEqualTo(body);

      try (Socket s = new Socket()) {
        s.setSoTimeout(10_000);
        s.connect(proxy.server.address("tunnel"), 5_000);
        s.getOutputStream().write("GET / HTTP/1.0\r\nHost: tunnel\r\n\r\n".getBytes(US_ASCII));
        s.shutdownOutput(); // the FIN travels through the relay; the answer comes back after it
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        s.getInputStream().transferTo(got);
        assertThat(got.toString(US_ASCII)).startsWith("HTTP/1.1 200").endsWith("\r\n\r\na");
      }

      HttpResponse<String> status = proxy.client.send(HttpRequest.newBuilder(proxy.adminUri("/status")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(status.body()).contains("\"transport\":\"" + transport + "\"");
    }
  }
}
