package dev.keel.proxy.http;

import static dev.keel.proxy.support.H2Wire.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.support.BlackholeBackend;
import dev.keel.proxy.support.H2Codec;
import dev.keel.proxy.support.H2Wire;
import dev.keel.proxy.support.ProxyFixture;
import dev.keel.proxy.support.RawBackend;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * h2spec-style conformance of the HTTP/2 listener (RFC 9113), frame by frame: malformed requests
 * (pseudo-header rules, connection-specific fields, upper-case names, {@code te} other than
 * trailers, CR/LF/NUL in values) are reset and never reach an instance; frame sizes, flow-control
 * windows, stream states and limits are enforced. One proxy in front of a backend that records
 * every byte it receives.
 */
class Http2ConformanceIntegrationTest {
  private static RawBackend backend;
  private static ProxyFixture proxy;

  @BeforeAll
  static void start() throws Exception {
    backend = new RawBackend();
    proxy = ProxyFixture.of("static://" + backend.address(), "    limits: { max-header-size: 4k }\n");
  }

  @AfterAll
  static void stop() {
    proxy.close();
    backend.close();
  }

  /** Sends {@code h} on stream 1 and returns what ended it: RST_STREAM, GOAWAY, or the response's last frame. */
  private static H2Codec.Frame outcome(Http2Headers h) throws Exception {
    try (H2Wire w = H2Wire.connect(proxy.address())) {
      w.headers(1, h, true);
      w.flush();
      return w.await(f -> (f.streamId() == 1 && (f.type() == H2Wire.RST_STREAM || f.has(H2Wire.END_STREAM))) || f.type() == H2Wire.GOAWAY);
    }
  }

  private static void assertMalformed(Http2Headers h) throws Exception {
    backend.forget();
    H2Codec.Frame f = outcome(h);
    assertThat(f.type()).as("%s", f).isIn(H2Wire.RST_STREAM, H2Wire.GOAWAY);
    assertThat(f.errorCode()).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
    assertThat(backend.all()).as("nothing of a malformed request reaches the instance").isEmpty();
  }

  @Test
  void aWellFormedRequestIsAnswered() throws Exception {
    try (H2Wire w = H2Wire.connect(proxy.address())) {
      w.headers(1, request("GET", "/ok", "te", "trailers"), true);
      w.flush();
      assertThat(w.response(1).status()).isEqualTo("200");
    }
  }

  @Test
  void upperCaseFieldNamesAreMalformed() throws Exception {
    assertMalformed(request("GET", "/", "X-Upper", "1"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"})
  void connectionSpecificFieldsAreMalformed(String name) throws Exception {
    assertMalformed(request("GET", "/", name, "chunked"));
  }

  @Test
  void teOtherThanTrailersIsMalformed() throws Exception {
    assertMalformed(request("GET", "/", "te", "gzip"));
  }

  @Test
  void requestsWithoutMethodSchemeOrPathAreMalformed() throws Exception {
    for (String missing : new String[] {":path", ":scheme", ":method"}) {
      Http2Headers h = request("GET", "/");
      h.remove(missing);
      assertMalformed(h);
    }
  }

  @Test
  void pseudoHeaderFieldsAfterRegularOnesAreMalformed() throws Exception {
    backend.forget();
    try (H2Wire w = H2Wire.connect(proxy.address())) {
      w.frame(H2Wire.HEADERS, H2Wire.END_HEADERS | H2Wire.END_STREAM, 1,
          H2Codec.literalBlock(":method", "GET", ":scheme", "http", "x-first", "1", ":path", "/"));
      w.flush();
      assertThat(w.awaitResetOrGoAway(1).errorCode()).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
    }
    assertThat(backend.all()).isEmpty();
  }

  @Test
  void unknownOrResponsePseudoHeaderFieldsAreMalformed() throws Exception {
    assertMalformed(request("GET", "/", ":extra", "1"));
    assertMalformed(request("GET", "/", ":status", "200"));
  }

  /** Request smuggling through the downgrade: a CR LF in an HTTP/2 value would start a new field line on HTTP/1.1. */
  @ParameterizedTest
  @ValueSource(strings = {"x\r\nx-injected: 1", "x\ny", "x\u0000y", " leading", "trailing\t"})
  void valuesWithCrLfNulOrOuterWhitespaceNeverReachAnInstance(String value) throws Exception {
    assertMalformed(request("GET", "/", "x-note", value));
  }

  @Test
  void aBodyThatDisagreesWithItsContentLengthIsMalformed() throws Exception {
    backend.forget();
    try (H2Wire w = H2Wire.connect(proxy.address())) {
      w.headers(1, request("POST", "/", "content-length", "10"), false);
      w.data(1, new byte[5], true);
      w.flush();
      H2Codec.Frame f = w.awaitResetOrGoAway(1);
      assertThat(f.errorCode()).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
    }
  }

  @Test
  void trailersWithPseudoHeaderFieldsAreMalformed() throws Exception {
    try (BlackholeBackend hole = new BlackholeBackend();
        ProxyFixture p = ProxyFixture.of("static://" + hole.address(), "");
        H2Wire w = H2Wire.connect(p.address())) {
      w.headers(1, request("POST", "/"), false);
      w.data(1, new byte[3], false);
      w.headers(1, new io.netty.handler.codec.http2.DefaultHttp2Headers(false).add(":path", "/x"), true);
      w.flush();
      assertThat(w.awaitResetOrGoAway(1).errorCode()).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
    }
  }

  @Test
  void aDataFrameLargerThanTheMaxFrameSizeIsAConnectionError() throws Exception {
    try (H2Wire w = H2Wire.connect(proxy.address())) {
      w.headers(1, request("POST", "/"), false);
      w.frameHeader(16_385, H2Wire.DATA, 0, 1); // SETTINGS_MAX_FRAME_SIZE is 16,384: refused at the header
      w.flush();
      H2Codec.Frame f = w.await(x -> x.type() == H2Wire.GOAWAY);
      assertThat(f.errorCode()).isEqualTo(Http2Error.FRAME_SIZE_ERROR.code());
      assertThat(w.closedByServer()).isTrue();
    }
  }

  @Test
  void dataBeyondTheStreamWindowIsAFlowControlError() throws Exception {
    // the instance never answers the connect: nothing of the body is taken, so the window is all there is
    try (BlackholeBackend hole = new BlackholeBackend();
        ProxyFixture p = ProxyFixture.of("static://" + hole.address(), "    timeouts: { connect: 30s }\n");
        H2Wire w = H2Wire.connect(p.address())) {
      w.headers(1, request("POST", "/"), false);
      for (int i = 0; i < 5; i++) {
        w.data(1, new byte[16_384], false); // 81,920 bytes against a 65,536-byte window
      }
      w.flush();
      H2Codec.Frame f = w.awaitResetOrGoAway(1);
      assertThat(f.errorCode()).isEqualTo(Http2Error.FLOW_CONTROL_ERROR.code());
    }
  }

  @Test
  void aWindowUpdateOfZeroIsAnError() throws Exception {
    try (H2Wire w = H2Wire.connect(proxy.address())) {
      w.windowUpdate(0, 0);
      w.flush();
      H2Codec.Frame f = w.await(x -> x.type() == H2Wire.GOAWAY);
      assertThat(f.errorCode()).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
    }
  }

  @Test
  void rstStreamOnAnIdleStreamIsAConnectionError() throws Exception {
    try (H2Wire w = H2Wire.connect(proxy.address())) {
      w.rst(7, Http2Error.CANCEL.code());
      w.flush();
      assertThat(w.await(x -> x.type() == H2Wire.GOAWAY).errorCode()).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
    }
  }

  @Test
  void aClientStreamWithAnEvenIdIsAConnectionError() throws Exception {
    try (H2Wire w = H2Wire.connect(proxy.address())) {
      w.headers(2, request("GET", "/"), true);
      w.flush();
      assertThat(w.await(x -> x.type() == H2Wire.GOAWAY).errorCode()).isEqualTo(Http2Error.PROTOCOL_ERROR.code());
    }
  }

  @Test
  void headersOnAClosedStreamAreAStreamClosedError() throws Exception {
    try (H2Wire w = H2Wire.connect(proxy.address())) {
      w.headers(1, request("GET", "/"), true);
      w.flush();
      assertThat(w.response(1).status()).isEqualTo("200");
      w.headers(1, request("GET", "/"), true);
      w.flush();
      H2Codec.Frame f = w.awaitResetOrGoAway(1);
      assertThat(f.errorCode()).isEqualTo(Http2Error.STREAM_CLOSED.code());
    }
  }

  @Test
  void streamsBeyondMaxConcurrentStreamsAreRefused() throws Exception {
    try (BlackholeBackend hole = new BlackholeBackend();
        ProxyFixture p = ProxyFixture.of("static://" + hole.address(),
            "    timeouts: { connect: 30s }\n    http2: { max-concurrent-streams: 2 }\n");
        H2Wire w = H2Wire.connect(p.address())) {
      H2Codec.Frame settings = w.await(f -> f.type() == H2Wire.SETTINGS && !f.has(H2Wire.ACK));
      assertThat(setting(settings, 0x3)).isEqualTo(2);
      for (int id = 1; id <= 5; id += 2) {
        w.headers(id, request("GET", "/"), true);
      }
      w.flush();
      H2Codec.Frame f = w.await(x -> x.type() == H2Wire.RST_STREAM || x.type() == H2Wire.GOAWAY);
      assertThat(f.streamId()).isEqualTo(5);
      assertThat(f.errorCode()).isEqualTo(Http2Error.REFUSED_STREAM.code());
    }
  }

  @Test
  void aHeaderListLargerThanTheLimitIsAnswered431() throws Exception {
    backend.forget();
    try (H2Wire w = H2Wire.connect(proxy.address())) {
      w.headers(1, request("GET", "/", "x-big", "v".repeat(5000)), true);
      w.flush();
      H2Codec.Frame f = w.await(x -> (x.streamId() == 1 && x.type() == H2Wire.HEADERS) || x.type() == H2Wire.GOAWAY);
      assertThat(f.type()).isEqualTo(H2Wire.HEADERS);
      assertThat(f.headers().status().toString()).isEqualTo("431");
    }
    assertThat(backend.all()).isEmpty();
  }

  @Test
  void theSettingsAdvertiseTheLimitsAndTheConnectionWindowHasRoomForEveryStream() throws Exception {
    try (H2Wire w = H2Wire.connect(proxy.address())) {
      H2Codec.Frame settings = w.await(f -> f.type() == H2Wire.SETTINGS && !f.has(H2Wire.ACK));
      assertThat(setting(settings, 0x3)).isEqualTo(100); // MAX_CONCURRENT_STREAMS
      assertThat(setting(settings, 0x4)).isEqualTo(65_536); // INITIAL_WINDOW_SIZE
      assertThat(setting(settings, 0x6)).isEqualTo(4096); // MAX_HEADER_LIST_SIZE: limits.max-header-size
      H2Codec.Frame update = w.await(f -> f.type() == H2Wire.WINDOW_UPDATE && f.streamId() == 0);
      long increment = (update.payload()[0] & 0x7fL) << 24 | (update.payload()[1] & 0xffL) << 16
          | (update.payload()[2] & 0xffL) << 8 | (update.payload()[3] & 0xffL);
      assertThat(65_535 + increment).isEqualTo(100L * 65_536);
    }
  }

  @Test
  void aClientGoAwayLetsItsOpenStreamsFinish() throws Exception {
    try (H2Wire w = H2Wire.connect(proxy.address())) {
      w.headers(1, request("GET", "/"), true);
      w.goAway(0, Http2Error.NO_ERROR.code());
      w.flush();
      assertThat(w.response(1).status()).isEqualTo("200");
    }
  }

  /** The value of setting {@code id} in a SETTINGS frame, or -1. */
  static long setting(H2Codec.Frame settings, int id) {
    byte[] p = settings.payload();
    for (int at = 0; at + 6 <= p.length; at += 6) {
      if (((p[at] & 0xff) << 8 | (p[at + 1] & 0xff)) == id) {
        return (p[at + 2] & 0xffL) << 24 | (p[at + 3] & 0xffL) << 16 | (p[at + 4] & 0xffL) << 8 | (p[at + 5] & 0xffL);
      }
    }
    return -1;
  }
}
