package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.AsciiString;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestDecoderTest {
  private static final String PIPELINED = "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      + "5;ext=\"v\"\r\nhello\r\n3\r\n, w\r\n0\r\nX-Sum: 1\r\n\r\n"
      + "PUT /b?q=1 HTTP/1.1\r\nhost: y\r\nContent-Length: 4\r\n\r\nbody"
      + "\r\nGET /c HTTP/1.0\r\nUser-Agent: t\r\n\r\n";
  private EmbeddedChannel ch = new EmbeddedChannel(new RequestDecoder(4096, 8192, 8192));

  @AfterEach
  void close() {
    ch.finishAndReleaseAll();
  }

  private void write(String s) {
    ch.writeInbound(Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1));
  }

  private HttpRequest refusedHead(String s) {
    write(s);
    HttpRequest r = ch.readInbound();
    assertThat(r.decoderResult().isFailure()).as(s).isTrue();
    return r;
  }

  private LastHttpContent refusedBody(String s) {
    write(s);
    Object m;
    while ((m = ch.readInbound()) != null) {
      if (m instanceof LastHttpContent last) {
        assertThat(last.decoderResult().isFailure()).as(s).isTrue();
        return last;
      }
      assertThat(m instanceof HttpRequest r ? r.decoderResult().isSuccess() : true).isTrue();
      ReferenceCountUtil.release(m);
    }
    throw new AssertionError("no end for " + s);
  }

  /** Everything decoded, one line per message: head, body piece bytes, end with its trailers. */
  private List<String> drain() {
    List<String> out = new ArrayList<>();
    Object m;
    StringBuilder body = new StringBuilder();
    while ((m = ch.readInbound()) != null) {
      try {
        if (m instanceof HttpRequest r) {
          StringBuilder s = new StringBuilder(r.decoderResult() + " " + r.method() + " " + r.uri() + " " + r.protocolVersion());
          for (Map.Entry<CharSequence, CharSequence> e : (Iterable<Map.Entry<CharSequence, CharSequence>>) r.headers()::iteratorCharSequence) {
            s.append('|').append(e.getKey()).append(':').append(e.getValue());
          }
          out.add(s.toString());
        }
        if (m instanceof HttpContent c) {
          body.append(c.content().toString(StandardCharsets.ISO_8859_1));
        }
        if (m instanceof LastHttpContent l) {
          out.add(l.decoderResult() + " body=" + body + " trailers=" + l.trailingHeaders());
          body.setLength(0);
        }
      } finally {
        ReferenceCountUtil.release(m);
      }
    }
    return out;
  }

  @Test
  void obsFoldIsAFailedMessageNotAJoinedValue() {
    HttpRequest r = refusedHead("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n\tb\r\n\r\n");
    assertThat(r.decoderResult().cause()).hasMessageContaining("folding");
  }

  @Test
  void obsFoldSplitAcrossReadsIsStillFound() {
    write("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n");
    assertThat(ch.<Object>readInbound()).isNull();
    refusedHead(" b\r\n\r\n");
  }

  @Test
  void bothContentLengthAndTransferEncodingFail() {
    refusedHead("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
  }

  @Test
  void bytesAfterAFailedMessageAreDropped() {
    refusedHead("GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\nGET /next HTTP/1.1\r\nHost: x\r\n\r\n");
    write("GET /later HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(ch.<Object>readInbound()).isNull();
  }

  @Test
  void pipelinedRequestsDecodeToTheirHeadsBodiesAndTrailers() {
    write(PIPELINED);
    assertThat(drain()).containsExactly(
        "success POST /a HTTP/1.1|Host:x|Transfer-Encoding:chunked",
        "success body=hello, w trailers=DefaultHttpHeaders[X-Sum: 1]",
        "success PUT /b?q=1 HTTP/1.1|host:y|Content-Length:4",
        "success body=body trailers=EmptyHttpHeaders[]",
        "success GET /c HTTP/1.0|User-Agent:t",
        "success body= trailers=EmptyHttpHeaders[]");
  }

  @Test
  void theSameMessagesWhereverThePipelinedBytesAreSplit() {
    write(PIPELINED);
    List<String> whole = drain();
    for (int cut = 1; cut < PIPELINED.length(); cut++) {
      ch.finishAndReleaseAll();
      ch = new EmbeddedChannel(new RequestDecoder(4096, 8192, 8192));
      write(PIPELINED.substring(0, cut));
      write(PIPELINED.substring(cut));
      assertThat(drain()).as("split at %d", cut).isEqualTo(whole);
    }
  }

  @Test
  void aGetWithoutBodyEndsWithTheSharedEmptyLastContent() {
    write("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    ReferenceCountUtil.release(ch.readInbound());
    assertThat(ch.<Object>readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
  }

  @Test
  void standardMethodsVersionsAndCommonNamesAreSharedValuesAreViews() {
    write("DELETE /x HTTP/1.1\r\nHost: x\r\nuser-agent: u\r\nX-Own: v\r\n\r\n");
    HttpRequest r = ch.readInbound();
    assertThat(r.method()).isSameAs(HttpMethod.DELETE);
    assertThat(r.protocolVersion()).isSameAs(HttpVersion.HTTP_1_1);
    List<Map.Entry<CharSequence, CharSequence>> fields = new ArrayList<>();
    r.headers().iteratorCharSequence().forEachRemaining(fields::add);
    assertThat(fields.get(0).getKey()).isSameAs(FieldNames.of("Host".getBytes(StandardCharsets.US_ASCII), 0, 4));
    assertThat(fields.get(1).getKey()).isSameAs(HttpHeaderNames.USER_AGENT);
    assertThat(fields.get(2).getKey()).hasToString("X-Own");
    assertThat(fields.get(2).getValue()).isInstanceOf(AsciiString.class).hasToString("v");
    assertThat(r.headers().get("USER-AGENT")).isEqualTo("u"); // case-insensitive lookups
    assertThat(ch.<Object>readInbound()).isSameAs(LastHttpContent.EMPTY_LAST_CONTENT);
    assertThat(HttpMethod.valueOf("PURGE")).isEqualTo(methodOf("PURGE / HTTP/1.1\r\nHost: x\r\n\r\n"));
  }

  private HttpMethod methodOf(String s) {
    write(s);
    HttpRequest r = ch.readInbound();
    return r.method();
  }

  @Test
  void aRequestLineOverTheLimitIsTooLongEvenBeforeItEnds() {
    ch = new EmbeddedChannel(new RequestDecoder(32, 8192, 8192));
    HttpRequest r = refusedHead("GET /" + "a".repeat(40));
    assertThat(r.decoderResult().cause()).isInstanceOf(TooLongHttpLineException.class);
  }

  @Test
  void aRequestLineAtTheLimitWithItsCrIsRead() {
    ch = new EmbeddedChannel(new RequestDecoder(32, 8192, 8192));
    String line = "GET /" + "a".repeat(32 - 5 - 10) + " HTTP/1.1"; // 31 bytes, 32 with the CR
    write(line + "\r\nHost: x\r\n\r\n");
    HttpRequest r = ch.readInbound();
    assertThat(r.decoderResult().isSuccess()).isTrue();
  }

  @Test
  void headerFieldsOverTheLimitAreTooLargeEvenBeforeTheHeadEnds() {
    ch = new EmbeddedChannel(new RequestDecoder(4096, 64, 8192));
    HttpRequest r = refusedHead("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(60));
    assertThat(r.decoderResult().cause()).isInstanceOf(TooLongHttpHeaderException.class);
  }

  @Test
  void headerFieldsAddUpTowardTheLimit() {
    ch = new EmbeddedChannel(new RequestDecoder(4096, 64, 8192));
    HttpRequest r = refusedHead("GET / HTTP/1.1\r\nHost: x\r\nA: " + "1".repeat(30) + "\r\nB: " + "2".repeat(30) + "\r\n\r\n");
    assertThat(r.decoderResult().cause()).isInstanceOf(TooLongHttpHeaderException.class);
  }

  @Test
  void trailersOverTheLimitFailTheBody() {
    ch = new EmbeddedChannel(new RequestDecoder(4096, 64, 8192));
    LastHttpContent end = refusedBody("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: " + "t".repeat(70) + "\r\n\r\n");
    assertThat(end.decoderResult().cause()).isInstanceOf(TooLongHttpHeaderException.class);
  }

  @Test
  void bodyPiecesAreNoLargerThanTheChunkLimit() {
    ch = new EmbeddedChannel(new RequestDecoder(4096, 8192, 4));
    write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n0123456789");
    ReferenceCountUtil.release(ch.readInbound());
    List<Integer> sizes = new ArrayList<>();
    Object m;
    while ((m = ch.readInbound()) != null) {
      sizes.add(((HttpContent) m).content().readableBytes());
      ReferenceCountUtil.release(m);
    }
    assertThat(sizes).containsExactly(4, 4, 2, 0);
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "GET / HTTP/1.1\nHost: x\r\n\r\n", // bare LF ends the request line
    "GET / HTTP/1.1\r\nHost: x\n\r\n", // bare LF ends a field line
    "GET / HTTP/1.1\r\nHost: x\r\n\n", // bare LF as the empty line
    "GET / HTTP/1.1\r\nHost: x\rY: z\r\n\r\n", // bare CR inside the block
    "GET /a\u0001b HTTP/1.1\r\nHost: x\r\n\r\n", // control byte in the target
    "GET /a\u007fb HTTP/1.1\r\nHost: x\r\n\r\n", // DEL in the target
    "GET  / HTTP/1.1\r\nHost: x\r\n\r\n", // two spaces
    "GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n", // a tab between the parts
    "G(T / HTTP/1.1\r\nHost: x\r\n\r\n", // method not a token
    "GET / HTTP/1.1 \r\nHost: x\r\n\r\n", // space after the version
    "GET / HTTP/11\r\nHost: x\r\n\r\n", // version not HTTP/d.d
    "GET / HTTP/1.1\r\nHost : x\r\n\r\n", // space before the colon
    "GET / HTTP/1.1\r\nHo(st: x\r\n\r\n", // name not a token
    "GET / HTTP/1.1\r\n: x\r\n\r\n", // empty name
    "GET / HTTP/1.1\r\nHost: x\u0000y\r\n\r\n", // NUL in a value
    "GET / HTTP/1.1\r\nHost: x\u007f\r\n\r\n", // DEL in a value
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", // twice, even equal
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\nabc", // a list
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\nabc",
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n",
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "POST / HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
  })
  void aMalformedHeadIsRefusedAsABadRequest(String request) {
    HttpRequest r = refusedHead(request);
    assertThat(r.decoderResult().cause()).isInstanceOf(RequestDecoder.BadRequestException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "80000000\r\n", // over 2 GiB - 1
    "fffffffffffffffff\r\n", // would overflow a long
    "x\r\n", // no digits
    "5\nhello\r\n", // bare LF after the size
    "5;a\nhello\r\n",
    "5;\r\nhello\r\n", // an extension without a name
    "5;a=\"b\r\nhello\r\n", // unclosed quote
    "5 \r\nhello\r\n", // whitespace at the end of the line
    "5\r\nhelloX\r\n", // data not followed by CRLF
    "5\r\nhello\n0\r\n\r\n", // bare LF after the data
    "0\r\nX-T: a\r\n b\r\n\r\n", // folded trailer
    "0\r\nX T: a\r\n\r\n", // trailer name not a token
    "0\r\nX-T: a\u0001\r\n\r\n", // control byte in a trailer value
    "0\r\nX-T: a\n\r\n", // bare LF in the trailers
  })
  void aMalformedChunkedBodyFailsItsLastContent(String body) {
    LastHttpContent end = refusedBody("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + body);
    assertThat(end.decoderResult().cause()).isInstanceOf(RequestDecoder.BadRequestException.class);
  }

  @Test
  void framingFieldsInTrailersAreDroppedOthersKept() {
    write("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n"
        + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\nTrailer: x\r\nGrpc-Status: 0\r\n\r\n");
    assertThat(drain()).last().isEqualTo("success body= trailers=DefaultHttpHeaders[Grpc-Status: 0]");
  }

  @Test
  void emptyLinesBeforeARequestAreSkipped() {
    write("\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assertThat(drain()).first().isEqualTo("success GET / HTTP/1.1|Host:x");
  }

  @Test
  void aVersionOtherThan1xIsPassedOnForTheHandlerToRefuse() {
    write("GET / HTTP/2.0\r\nHost: x\r\n\r\n");
    HttpRequest r = ch.readInbound();
    assertThat(r.decoderResult().isSuccess()).isTrue();
    assertThat(r.protocolVersion().majorVersion()).isEqualTo(2);
  }

  @Test
  void aClientClosingInsideABodyEndsItAsCutShort() {
    write("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    ch.finish();
    List<Object> out = new ArrayList<>();
    Object m;
    while ((m = ch.readInbound()) != null) {
      out.add(m);
    }
    LastHttpContent end = (LastHttpContent) out.get(out.size() - 1);
    assertThat(end.decoderResult().cause()).isInstanceOf(PrematureChannelClosureException.class);
    out.forEach(ReferenceCountUtil::release);
  }

  @Test
  void aClientClosingInsideAHeadGetsARefusalAndAnIdleCloseNothing() {
    write("GET / HT");
    ch.finish();
    HttpRequest r = ch.readInbound();
    assertThat(r.decoderResult().cause()).isInstanceOf(PrematureChannelClosureException.class);
    EmbeddedChannel idle = new EmbeddedChannel(new RequestDecoder(4096, 8192, 8192));
    idle.writeInbound(Unpooled.copiedBuffer("\r\n", StandardCharsets.US_ASCII));
    assertThat(idle.finish()).isFalse();
  }

  @Test
  void aBodyIsASliceOfWhatWasReadNotACopy() {
    ByteBuf in = Unpooled.copiedBuffer("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc", StandardCharsets.US_ASCII);
    ch.writeInbound(in);
    ReferenceCountUtil.release(ch.readInbound());
    HttpContent body = ch.readInbound();
    assertThat(body.content().unwrap()).isNotNull();
    body.release();
  }
}
