package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** An upstream response read by {@link UpstreamResponseDecoder} and written for the client by {@link ResponseWriter}. */
class ResponseForwardingTest {
  private final UpstreamResponseDecoder decoder = new UpstreamResponseDecoder();

  @AfterEach
  void close() {
    upstream.finishAndReleaseAll();
  }

  /**
   * Writes what the client receives, the way UpstreamSide does, as each message comes out of the
   * decoder (the decoder reuses its head and end objects, so they are consumed at once).
   */
  private static final class Client extends ChannelInboundHandlerAdapter {
    final StringBuilder out = new StringBuilder();
    boolean headRequest;
    boolean http10;
    boolean keepAlive = true;
    ResponseWriter.Framing framing = ResponseWriter.Framing.NONE;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object m) {
      if (m instanceof ResponseHead h) {
        framing = ResponseWriter.framing(h, headRequest, http10);
        boolean close = !keepAlive || framing == ResponseWriter.Framing.UNTIL_CLOSE;
        out.append(text(h.status() < 200
            ? ResponseWriter.interimHead(ByteBufAllocator.DEFAULT, h)
            : ResponseWriter.finalHead(ByteBufAllocator.DEFAULT, h, headRequest, http10, close, null)));
      } else if (m instanceof ByteBuf b) {
        if (framing == ResponseWriter.Framing.CHUNKED) {
          out.append(text(ResponseWriter.chunkHeader(ByteBufAllocator.DEFAULT, b.readableBytes())))
              .append(text(b)).append("\r\n");
        } else if (framing != ResponseWriter.Framing.NONE) {
          out.append(text(b));
        } else {
          b.release();
        }
      } else if (m instanceof ResponseEnd e) {
        if (framing == ResponseWriter.Framing.CHUNKED) {
          out.append(text(ResponseWriter.lastChunk(ByteBufAllocator.DEFAULT, e.trailers())));
        }
        e.release();
        out.append("|END|");
      }
    }
  }

  private final Client client = new Client();
  private final EmbeddedChannel upstream = new EmbeddedChannel(decoder, client);

  /** What the client receives for {@code raw}. */
  private String forward(String raw, boolean headRequest, boolean http10, boolean keepAlive) {
    decoder.expectResponseTo(headRequest);
    client.headRequest = headRequest;
    client.http10 = http10;
    client.keepAlive = keepAlive;
    client.out.setLength(0);
    upstream.writeInbound(ascii(raw));
    return client.out.toString();
  }

  @Test
  void lengthDelimitedBodyPassesAsIsAndHopByHopFieldsGo() {
    String out = forward("HTTP/1.1 200 OK\r\nServer: s\r\nConnection: keep-alive, X-Private\r\nX-Private: 1\r\n"
        + "Keep-Alive: timeout=5\r\nContent-Length: 2\r\nX-App: kept\r\n\r\nok", false, false, true);
    assertThat(out).isEqualTo("HTTP/1.1 200 OK\r\nServer: s\r\nX-App: kept\r\ncontent-length: 2\r\n\r\nok|END|");
  }

  @Test
  void responseWithoutLengthBecomesChunkedForHttp11AndCloseDelimitedForHttp10() {
    String out = forward("HTTP/1.0 200 OK\r\n\r\nabc", false, false, true);
    assertThat(out).isEqualTo("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n");
    upstream.finish(); // the upstream closes: that ends the body
    assertThat(client.out).endsWith("0\r\n\r\n|END|");

    EmbeddedChannel second = new EmbeddedChannel(new UpstreamResponseDecoder());
    second.writeInbound(ascii("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n"));
    ResponseHead h = second.readInbound();
    assertThat(ResponseWriter.framing(h, false, true)).isEqualTo(ResponseWriter.Framing.UNTIL_CLOSE);
    assertThat(text(ResponseWriter.finalHead(ByteBufAllocator.DEFAULT, h, false, true, true, null)))
        .isEqualTo("HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n");
    second.finishAndReleaseAll();
  }

  @Test
  void chunkedBodyIsReframedWithItsTrailers() {
    String out = forward("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
        + "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: 42\r\n\r\n", false, false, true);
    assertThat(out).isEqualTo("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n"
        + "5\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: 42\r\n\r\n|END|");
  }

  @Test
  void headAnswerKeepsItsLengthAndHasNoBody() {
    String out = forward("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", true, false, true);
    assertThat(out).isEqualTo("HTTP/1.1 200 OK\r\ncontent-length: 1234\r\n\r\n|END|");
    // the connection is ready for the next response at once
    assertThat(forward("HTTP/1.1 204 No Content\r\n\r\n", false, false, true))
        .isEqualTo("HTTP/1.1 204 No Content\r\n\r\n|END|");
  }

  @Test
  void interimResponsesComeBeforeTheFinalOneWithoutAnEndOfTheirOwn() {
    String out = forward("\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
        + "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", false, false, false);
    assertThat(out).isEqualTo("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
        + "HTTP/1.1 200 OK\r\ncontent-length: 1\r\nconnection: close\r\n\r\nx|END|");
  }

  @Test
  void headSplitAcrossReadsIsReadWhole() {
    decoder.expectResponseTo(false);
    String raw = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-A: b\r\n\r\nxyz";
    for (int i = 0; i < raw.length(); i++) {
      upstream.writeInbound(ascii(raw.substring(i, i + 1)));
    }
    assertThat(client.out).hasToString("HTTP/1.1 200 OK\r\nX-A: b\r\ncontent-length: 3\r\n\r\nxyz|END|");
  }

  @Test
  void upstreamKeepAliveFollowsVersionAndConnection() {
    assertThat(head("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").upstreamKeepAlive()).isTrue();
    assertThat(head("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n").upstreamKeepAlive()).isFalse();
    assertThat(head("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").upstreamKeepAlive()).isFalse();
    assertThat(head("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n").upstreamKeepAlive()).isTrue();
  }

  @Test
  void malformedResponsesFailTheConnection() {
    for (String bad : List.of(
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\n\r\n",
        "HTTP/1.1 200 OK\r\nBad Name: 1\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX-A: a\u0000b\r\n\r\n",
        "HTTP/2.0 200 OK\r\n\r\n",
        "HTTP/1.1 20 OK\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXX")) {
      EmbeddedChannel ch = new EmbeddedChannel(new UpstreamResponseDecoder());
      assertThatThrownBy(() -> ch.writeInbound(ascii(bad))).as(bad).isInstanceOf(DecoderException.class);
      ch.finishAndReleaseAll();
    }
  }

  @Test
  void sameLengthTwiceIsOneLength() {
    ResponseHead h = head("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\n");
    assertThat(h.contentLength()).isEqualTo(5);
  }

  @Test
  void http10HasNoListsSoALengthListIsRefused() {
    // HTTP/1.0's Content-Length is 1*DIGIT (RFC 1945 §10.4); Netty's decoder refuses the list too
    String raw = "HTTP/1.0 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc";
    EmbeddedChannel ch = new EmbeddedChannel(new UpstreamResponseDecoder());
    assertThatThrownBy(() -> ch.writeInbound(ascii(raw))).isInstanceOf(DecoderException.class).hasMessageContaining("Content-Length");
    ch.finishAndReleaseAll();
    byte[] bytes = raw.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    assertThat(ResponseDecoderFuzzTest.run(null, false, bytes, new int[0])).containsExactly("refused");
    assertThat(ResponseDecoderFuzzTest.run(new UpstreamResponseDecoder(), false, bytes, new int[0])).containsExactly("refused");
  }

  private ResponseHead head(String raw) {
    EmbeddedChannel ch = new EmbeddedChannel(new UpstreamResponseDecoder());
    ch.writeInbound(ascii(raw));
    ResponseHead h = ch.readInbound();
    ch.finishAndReleaseAll();
    return h;
  }

  private static ByteBuf ascii(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
  }

  private static String text(ByteBuf b) {
    try {
      return b.toString(StandardCharsets.ISO_8859_1);
    } finally {
      b.release();
    }
  }
}
