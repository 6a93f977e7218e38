package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
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
    assertThat(req.headers().contains(HttpHeaderNames.KEEP_ALIVE)).isFalse();
    assertThat(req.headers().contains(HttpHeaderNames.UPGRADE)).isFalse();
    assertThat(req.headers().get("X-App")).isEqualTo("kept");
    assertThat(req.headers().get("X-Forwarded-For")).isEqualTo("192.0.2.1");
  }

  @Test
  void responseWithoutLengthBecomesChunkedForHttp11AndCloseDelimitedForHttp10() {
    HttpResponse r11 = new DefaultHttpResponse(HttpVersion.HTTP_1_0, HttpResponseStatus.OK);
    assertThat(HeaderRewriter.response(r11, false, false, true)).isFalse();
    assertThat(r11.headers().get(HttpHeaderNames.TRANSFER_ENCODING)).isEqualTo("chunked");
    assertThat(r11.protocolVersion()).isEqualTo(HttpVersion.HTTP_1_1);

    HttpResponse r10 = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    r10.headers().add("Transfer-Encoding", "chunked");
    assertThat(HeaderRewriter.response(r10, false, true, true)).isTrue();
    assertThat(r10.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)).isFalse();
    assertThat(r10.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
  }

  @Test
  void headResponseKeepsContentLengthAndGetsNoChunking() {
    HttpResponse r = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
    r.headers().add("Content-Length", "1234");
    assertThat(HeaderRewriter.response(r, true, false, true)).isFalse();
    assertThat(r.headers().get(HttpHeaderNames.CONTENT_LENGTH)).isEqualTo("1234");
    assertThat(r.headers().contains(HttpHeaderNames.TRANSFER_ENCODING)).isFalse();
  }
}
