package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AsciiString;
import org.junit.jupiter.api.Test;

class HeaderRewriterTest {
  private static final AsciiString HTTP = AsciiString.cached("http");

  @Test
  void requestFramingIsRegeneratedAndHopByHopStripped() {
    HttpRequest req = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, "/p");
    req.headers().add("Host", "h").add("Transfer-Encoding", "chunked").add("Connection", "keep-alive, X-Private")
        .add("X-Private", "1").add("Keep-Alive", "5").add("Upgrade", "h2c").add("X-App", "kept");
    RequestHead head = new RequestHead();
    assertThat(head.check(req, 1000)).isNull();
    HeaderRewriter.request(req, head, false, "192.0.2.1", false, HTTP);
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
