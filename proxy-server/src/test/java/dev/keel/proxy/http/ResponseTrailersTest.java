package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;

/**
 * Response trailers handed from an HTTP/2 instance straight to an HTTP/2 client (no HTTP/1.1 lines
 * in between) are filtered as the lines were: what an instance must not be able to smuggle to the
 * client stays out, whichever form the client side asks for.
 */
class ResponseTrailersTest {

  /** Received trailers as the instance's decoder would hand them over (not validated here, as a hostile peer could send). */
  private static Http2Headers received(String... nameValues) {
    Http2Headers h = new DefaultHttp2Headers(false);
    for (int i = 0; i < nameValues.length; i += 2) {
      h.add(nameValues[i], nameValues[i + 1]);
    }
    return h;
  }

  /** The trailers of {@code received}, which must leave something to forward. */
  private static ResponseTrailers forwarded(Http2Headers received) {
    ResponseTrailers t = ResponseTrailers.fromHttp2(received);
    assertThat(t).as("forwardable trailers").isNotNull();
    return Objects.requireNonNull(t);
  }

  private static List<String> fields(Http2Headers h) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<CharSequence, CharSequence> e : h) {
      out.add(e.getKey() + "=" + e.getValue());
    }
    return out;
  }

  private static String text(ByteBuf b) {
    return b.toString(b.readerIndex(), b.readableBytes(), StandardCharsets.ISO_8859_1);
  }

  @Test
  void grpcStatusAndMessagePassUnchangedToAnHttp2Client() {
    ResponseTrailers t = forwarded(received("grpc-status", "0", "grpc-message", "ok"));

    assertThat(fields(t.http2())).containsExactly("grpc-status=0", "grpc-message=ok");
  }

  @Test
  void connectionSpecificAndFramingFieldsAreDropped() {
    ResponseTrailers t = forwarded(received(
        "connection", "close", "keep-alive", "timeout=5", "proxy-connection", "close", "te", "trailers",
        "trailer", "grpc-status", "transfer-encoding", "chunked", "content-length", "0", "upgrade", "h2c",
        "host", "evil.example", "grpc-status", "0"));

    assertThat(fields(t.http2())).containsExactly("grpc-status=0");
    assertThat(text(t.lines())).isEqualTo("grpc-status: 0\r\n\r\n");
  }

  @Test
  void pseudoFieldsInTrailersAreDropped() {
    ResponseTrailers t = forwarded(received(":status", "200", ":path", "/x", "grpc-status", "0"));

    assertThat(fields(t.http2())).containsExactly("grpc-status=0");
  }

  @Test
  void upperCaseNamesGoOutInLowerCase() {
    ResponseTrailers t = forwarded(received("Grpc-Status", "0", "CONNECTION", "close"));

    assertThat(fields(t.http2())).containsExactly("grpc-status=0");
  }

  @Test
  void valuesWithCrLfOrNulAndNamesThatAreNoTokenAreDropped() {
    ResponseTrailers t = forwarded(received(
        "x-split", "a\r\nset-cookie: s=1", "x-lf", "a\nb", "x-nul", "a\0b", "bad name", "v", "x:colon", "v",
        "grpc-status", "0"));

    assertThat(fields(t.http2())).containsExactly("grpc-status=0");
    assertThat(text(t.lines())).isEqualTo("grpc-status: 0\r\n\r\n");
  }

  @Test
  void valuesLoseSurroundingWhitespaceOnly() {
    ResponseTrailers t = forwarded(received("grpc-message", " \tnot found \t"));

    assertThat(fields(t.http2())).containsExactly("grpc-message=not found");
  }

  @Test
  void trailersWithNothingForwardableAreNone() {
    assertThat(ResponseTrailers.fromHttp2(received(":status", "200", "connection", "close"))).isNull();
    assertThat(ResponseTrailers.fromHttp2(received())).isNull();
  }

  @Test
  void http2TrailersReachAnHttp1ClientAsFieldLines() {
    ResponseTrailers t = forwarded(received("grpc-status", "5", "x-checksum", "abc"));

    assertThat(text(t.lines())).isEqualTo("grpc-status: 5\r\nx-checksum: abc\r\n\r\n");
  }

  @Test
  void http1TrailerLinesReachAnHttp2ClientFiltered() {
    ByteBuf lines = Unpooled.copiedBuffer("Grpc-Status: 0\r\nConnection: close\r\nX-Sum:  abc \r\n\r\n",
        StandardCharsets.ISO_8859_1);
    ResponseTrailers t = ResponseTrailers.fromLines(lines);

    assertThat(fields(t.http2())).containsExactly("grpc-status=0", "x-sum=abc");
    assertThat(t.lines()).isSameAs(lines);
  }
}
