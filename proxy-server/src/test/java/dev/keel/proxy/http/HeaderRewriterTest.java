package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.config.ListenerConfig;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

class HeaderRewriterTest {
  private static final AsciiString HTTP = AsciiString.cached("http");
  private static final ClientAddressHeaders DEFAULTS = new ClientAddressHeaders(ListenerConfig.DEFAULT_CLIENT_ADDRESS_HEADERS);

  private static HttpRequest rewritten(boolean trusted, String... headers) {
    HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
    for (int i = 0; i < headers.length; i += 2) {
      req.headers().add(headers[i], headers[i + 1]);
    }
    RequestHead head = new RequestHead();
    assertThat(head.check(req, 1000)).isNull();
    HeaderRewriter.request(req, head, false, "192.0.2.1", trusted, HTTP, DEFAULTS);
    return req;
  }

  @Test
  void clientAddressHeadersOfAnUntrustedClientAreRemovedInAnyCase() {
    HttpRequest req = rewritten(false, "Host", "h", "x-REAL-ip", "6.6.6.6", "FORWARDED", "for=6.6.6.6", "Client-Ip", "6.6.6.6",
        "X-Realip", "kept: not in the list");
    assertThat(req.headers().names()).doesNotContain("x-REAL-ip", "FORWARDED", "Client-Ip");
    assertThat(req.headers().get("X-Realip")).isEqualTo("kept: not in the list");
  }

  @Test
  void underscoreSpellingsAreRemovedEvenFromATrustedProxy() {
    HttpRequest req = rewritten(true, "Host", "h", "X_Forwarded_For", "6.6.6.6", "x-forwarded_host", "evil", "X_Real_IP", "6.6.6.6",
        "X-Real-IP", "10.1.1.1", "X_App_Id", "kept: not a managed name");
    assertThat(req.headers().names()).doesNotContain("X_Forwarded_For", "x-forwarded_host", "X_Real_IP");
    assertThat(req.headers().get("X-Real-IP")).isEqualTo("10.1.1.1");
    assertThat(req.headers().get("X_App_Id")).isEqualTo("kept: not a managed name");
    assertThat(req.headers().get("X-Forwarded-For")).isEqualTo("192.0.2.1");
  }

  @Test
  void connectionCannotNameHostAway() {
    HttpRequest req = rewritten(false, "Host", "app.example", "Connection", "host, HOST");
    assertThat(req.headers().getAll("Host")).containsExactly("app.example");
  }

  @Test
  void requestFramingIsRegeneratedAndHopByHopStripped() {
    HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/p");
    req.headers().add("Host", "h").add("Transfer-Encoding", "chunked").add("Connection", "keep-alive, X-Private")
        .add("X-Private", "1").add("Keep-Alive", "5").add("Upgrade", "h2c").add("X-App", "kept");
    RequestHead head = new RequestHead();
    assertThat(head.check(req, 1000)).isNull();
    HeaderRewriter.request(req, head, false, "192.0.2.1", false, HTTP, DEFAULTS);
    assertThat(req.headers().get(HttpHeaderNames.TRANSFER_ENCODING)).isEqualTo("chunked");
    assertThat(req.headers().contains(HttpHeaderNames.CONTENT_LENGTH)).isFalse();
    assertThat(req.headers().contains("X-Private")).isFalse();
    assertThat(req.headers().contains(HttpHeaderNames.CONNECTION)).isFalse();
    assertThat(req.headers().contains("keep-alive")).isFalse();
    assertThat(req.headers().contains(HttpHeaderNames.UPGRADE)).isFalse();
    assertThat(req.headers().get("X-App")).isEqualTo("kept");
    assertThat(req.headers().get("X-Forwarded-For")).isEqualTo("192.0.2.1");
  }
}
