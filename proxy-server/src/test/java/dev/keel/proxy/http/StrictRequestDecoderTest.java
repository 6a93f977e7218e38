package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StrictRequestDecoderTest {
  private final EmbeddedChannel ch = new EmbeddedChannel(new StrictRequestDecoder(4096, 8192, 8192));

  @AfterEach
  void close() {
    Object m;
    while ((m = ch.readInbound()) != null) {
      ReferenceCountUtil.release(m);
    }
    ch.finishAndReleaseAll();
  }

  private void write(String s) {
    ch.writeInbound(Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1));
  }

  @Test
  void obsFoldIsAFailedMessageNotAJoinedValue() {
    write("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\n\r\n");
    HttpRequest r = ch.readInbound();
    assertThat(r.decoderResult().isFailure()).isTrue();
    assertThat(r.decoderResult().cause()).hasMessageContaining("folding");
  }

  @Test
  void obsFoldSplitAcrossReadsIsStillFound() {
    write("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n");
    Object next = ch.readInbound();
    assertThat(next).isNull();
    write(" b\r\n\r\n");
    HttpRequest r = ch.readInbound();
    assertThat(r.decoderResult().isFailure()).isTrue();
  }

  @Test
  void bothContentLengthAndTransferEncodingFail() {
    write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    HttpRequest r = ch.readInbound();
    assertThat(r.decoderResult().isFailure()).isTrue();
  }

  @Test
  void bytesAfterAFailedMessageAreDropped() {
    write("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n");
    HttpRequest r = ch.readInbound();
    assertThat(r.decoderResult().isFailure()).isTrue();
    Object next = ch.readInbound();
    assertThat(next).isNull();
  }

  @Test
  void wellFormedPipelinedRequestsWithBodiesDecode() {
    write("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
        + "GET /b HTTP/1.1\r\nHost: x\r\nX-Folded-Looking: a b\r\n\r\n");
    HttpRequest a = ch.readInbound();
    assertThat(a.decoderResult().isSuccess()).isTrue();
    assertThat(a.uri()).isEqualTo("/a");
    HttpContent body = ch.readInbound();
    assertThat(body.content().toString(StandardCharsets.US_ASCII)).isEqualTo("hello");
    body.release();
    if (!(body instanceof LastHttpContent)) {
      ReferenceCountUtil.release(ch.readInbound());
    }
    HttpRequest b = ch.readInbound();
    assertThat(b.decoderResult().isSuccess()).isTrue();
    assertThat(b.uri()).isEqualTo("/b");
    assertThat(b.headers().get("X-Folded-Looking")).isEqualTo("a b");
  }
}
