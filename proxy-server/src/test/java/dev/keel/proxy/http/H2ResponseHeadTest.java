package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A response head from an HTTP/2 instance reaches an HTTP/2 client with its fields as received
 * ({@link H2ResponseHead}, {@link Http2Responses#head}), and with every filter the HTTP/1.1 byte
 * round trip applied: what an instance must not pass to the client stays out, and what the head's
 * parse refuses is refused before anything is forwarded.
 */
class H2ResponseHeadTest {
  private final H2ResponseHead head = new H2ResponseHead();

  /**
   * Received HEADERS as the decoder hands them over (AsciiString names and values), but as a
   * hostile peer could send them: not validated here (the decoder would refuse some).
   */
  private static Http2Headers received(String... nameValues) {
    Http2Headers h = new DefaultHttp2Headers(false);
    for (int i = 0; i < nameValues.length; i += 2) {
      h.add(AsciiString.of(nameValues[i]), AsciiString.of(nameValues[i + 1]));
    }
    return h;
  }

  /** Reads {@code in} as Http2Upstream does and returns the HEADERS an HTTP/2 client would get. */
  private Http2Headers forwarded(Http2Headers in, boolean endStream) {
    assertThat(H2Heads.response(in, head, false, endStream)).as(String.valueOf(head.problem())).isPositive();
    head.received(in);
    try {
      return Http2Responses.head(head, null);
    } finally {
      head.received(null);
    }
  }

  private static List<String> fields(Http2Headers h) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<CharSequence, CharSequence> e : h) {
      out.add(e.getKey() + "=" + e.getValue());
    }
    return out;
  }

  @Test
  void grpcResponseHeadIsForwardedWithTheReceivedNamesAndValues() {
    Http2Headers in = received(":status", "200", "content-type", "application/grpc", "grpc-encoding", "identity");

    Http2Headers out = forwarded(in, false);

    assertThat(fields(out)).containsExactly(":status=200", "content-type=application/grpc", "grpc-encoding=identity");
    assertThat(out.get("content-type")).isSameAs(in.get("content-type"));
  }

  @Test
  void connectionSpecificFieldsAreDropped() {
    Http2Headers out = forwarded(received(":status", "200", "keep-alive", "timeout=5", "proxy-connection", "keep-alive",
        "upgrade", "h2c", "te", "trailers", "trailer", "grpc-status", "x-kept", "1"), false);

    assertThat(fields(out)).containsExactly(":status=200", "x-kept=1");
  }

  @Test
  void fieldsTheConnectionFieldNamesAreDroppedWithIt() {
    Http2Headers out = forwarded(received(":status", "200", "connection", "x-secret", "x-secret", "1", "x-kept", "2"), false);

    assertThat(fields(out)).containsExactly(":status=200", "x-kept=2");
  }

  @Test
  void upperCaseNamesGoOutInLowerCase() {
    Http2Headers out = forwarded(received(":status", "200", "X-Trace", "abc"), false);

    assertThat(fields(out)).containsExactly(":status=200", "x-trace=abc");
  }

  @Test
  void theLengthIsTheOneTheHeadRead() {
    Http2Headers out = forwarded(received(":status", "200", "content-length", "5", "x-kept", "1"), false);

    assertThat(fields(out)).containsExactly(":status=200", "x-kept=1", "content-length=5");
  }

  @Test
  void aHeadThatEndsTheStreamSaysLengthZeroAndKeepsItsFields() {
    Http2Headers out = forwarded(received(":status", "200", "x-a", "1", "x-b", "2"), true);

    assertThat(fields(out)).containsExactly(":status=200", "x-a=1", "x-b=2", "content-length=0");
  }

  @Test
  void disagreeingContentLengthsAreRefused() {
    assertThat(H2Heads.response(received(":status", "200", "content-length", "5", "content-length", "6"), head, false, false))
        .isEqualTo(ResponseHead.MALFORMED);
    assertThat(head.problem()).isEqualTo("Content-Length");
  }

  @Test
  void aLineBreakInAValueIsRefusedNotReadAsAnotherField() {
    assertThat(H2Heads.response(received(":status", "200", "x-a", "v\r\nset-cookie: s=1"), head, false, false))
        .isEqualTo(ResponseHead.MALFORMED);
    assertThat(head.problem()).isEqualTo("field value");
    assertThat(H2Heads.response(received(":status", "200", "x-a", "v\nx-b: 1"), head, false, false))
        .isEqualTo(ResponseHead.MALFORMED);
  }

  @Test
  void aLineBreakInANameOrANulInAValueIsRefused() {
    assertThat(H2Heads.response(received(":status", "200", "x-a\r\nx-b", "1"), head, false, false))
        .isEqualTo(ResponseHead.MALFORMED);
    assertThat(H2Heads.response(received(":status", "200", "x-a", "a\0b"), head, false, false))
        .isEqualTo(ResponseHead.MALFORMED);
  }

  @Test
  void aMissingOrBadStatusIsRefused() {
    assertThat(H2Heads.response(received("content-type", "application/grpc"), head, false, false))
        .isEqualTo(ResponseHead.MALFORMED);
    assertThat(H2Heads.response(received(":status", "20x"), head, false, false)).isEqualTo(ResponseHead.MALFORMED);
  }

  @Test
  void anInterimStatusIsReadAsInterim() {
    assertThat(H2Heads.response(received(":status", "103", "link", "</a>; rel=preload"), head, false, false)).isPositive();

    assertThat(head.status()).isEqualTo(103);
    assertThat(fields(Http2Responses.interim(head))).containsExactly(":status=103", "link=</a>; rel=preload");
  }

  @Test
  void withoutTheReceivedHeadersTheSameFieldsComeFromTheHeadsBytes() {
    Http2Headers in = received(":status", "200", "content-type", "application/grpc", "connection", "x-s", "x-s", "1");
    assertThat(H2Heads.response(in, head, false, false)).isPositive();

    assertThat(fields(Http2Responses.head(head, null))).containsExactly(":status=200", "content-type=application/grpc");
    assertThat(fields(forwarded(in, false))).containsExactly(":status=200", "content-type=application/grpc");
  }
}
