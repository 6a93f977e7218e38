package dev.keel.proxy.http;

import static dev.keel.proxy.support.H2Codec.request;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.http2.GoAwayDrain;
import dev.keel.proxy.support.H2Codec;
import dev.keel.proxy.support.H2Codec.Frame;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The HTTP/2 connection handler on embedded channels with a fake clock: the two-step GOAWAY drain,
 * max-connection-age, the idle close, gRPC deadlines and errors, flow control of request bodies,
 * cancellation, and acknowledgements a client never reads.
 */
class Http2ProxyHandlerTest {
  private static final String OK = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";

  private static Frame only(List<Frame> frames, int type) {
    List<Frame> of = frames.stream().filter(f -> f.type() == type).toList();
    assertThat(of).as("frames of type %d in %s", type, frames).hasSize(1);
    return of.get(0);
  }

  private static Http2Headers grpc(String path, String... extra) {
    Http2Headers h = request("POST", path, "content-type", "application/grpc", "te", "trailers");
    for (int i = 0; i < extra.length; i += 2) {
      h.add(extra[i], extra[i + 1]);
    }
    return h;
  }

  @Test
  void drainAnnouncesWithTheLargestIdThenNamesTheLastStreamAfterThePingRoundTrip() {
    try (Http2Harness t = new Http2Harness(1, "")) {
      t.frames();
      t.request(1, request("GET", "/a"), true);
      assertThat(t.h.upstreamGot(0)).startsWith("GET /a HTTP/1.1");
      t.client.pipeline().fireUserEventTriggered(HttpProxyHandler.GracefulClose.INSTANCE);
      List<Frame> first = t.frames();
      Frame announce = only(first, H2Codec.GOAWAY);
      assertThat(announce.lastStreamId()).isEqualTo(Integer.MAX_VALUE);
      assertThat(announce.errorCode()).isEqualTo(Http2Error.NO_ERROR.code());
      assertThat(only(first, H2Codec.PING).pingData()).isEqualTo(GoAwayDrain.PING);
      // a stream the client sent before it read the GOAWAY is still taken
      t.request(3, request("GET", "/b"), true);
      assertThat(t.h.upstreamGot(1)).startsWith("GET /b HTTP/1.1");
      t.send(H2Codec.ping(GoAwayDrain.PING, true));
      assertThat(only(t.frames(), H2Codec.GOAWAY).lastStreamId()).isEqualTo(3);
      // after the final GOAWAY a new stream is ignored: the client knows to retry it elsewhere
      t.request(5, request("GET", "/c"), true);
      assertThat(t.h.upstreams).hasSize(2);
      t.h.answer(0, OK).answer(1, OK);
      assertThat(t.frames().stream().filter(f -> f.has(H2Codec.END_STREAM)).map(Frame::streamId)).containsExactlyInAnyOrder(1, 3);
      assertThat(t.client.isOpen()).as("closed once its streams are done").isFalse();
      assertThat(t.h.route.stats().goAways()).isEqualTo(1);
    }
  }

  @Test
  void withoutAnAnswerToItsPingTheDrainNamesTheLastStreamTenSecondsLater() {
    try (Http2Harness t = new Http2Harness(1, "")) {
      t.frames();
      t.client.pipeline().fireUserEventTriggered(HttpProxyHandler.GracefulClose.INSTANCE);
      only(t.frames(), H2Codec.GOAWAY);
      t.advance(Duration.ofSeconds(9));
      assertThat(t.frames(H2Codec.GOAWAY)).isEmpty();
      t.advance(Duration.ofSeconds(1));
      assertThat(only(t.frames(), H2Codec.GOAWAY).lastStreamId()).isZero();
      assertThat(t.client.isOpen()).isFalse();
    }
  }

  @Test
  void streamsStillOpenWhenTheDrainTimeoutEndsAreCut() {
    try (Http2Harness t = new Http2Harness(1, "    http2: { drain-timeout: 2s }\n")) {
      t.request(1, request("GET", "/slow"), true);
      t.client.pipeline().fireUserEventTriggered(HttpProxyHandler.GracefulClose.INSTANCE);
      t.send(H2Codec.ping(GoAwayDrain.PING, true));
      t.advance(Duration.ofMillis(1900));
      assertThat(t.client.isOpen()).isTrue();
      t.advance(Duration.ofMillis(200));
      assertThat(t.client.isOpen()).isFalse();
      assertThat(t.h.upstreams.get(0).isOpen()).as("the instance's side of the cut stream is closed too").isFalse();
    }
  }

  @Test
  void maxConnectionAgeDrainsTheConnectionWithinTenPercentOfTheAge() {
    try (Http2Harness t = new Http2Harness(1, "    timeouts: { idle: 1h }\n    http2: { max-connection-age: 100s }\n")) {
      t.frames();
      t.advance(Duration.ofSeconds(89));
      assertThat(t.frames(H2Codec.GOAWAY)).isEmpty();
      t.advance(Duration.ofSeconds(22));
      assertThat(only(t.frames(), H2Codec.GOAWAY).lastStreamId()).isEqualTo(Integer.MAX_VALUE);
    }
  }

  @Test
  void aConnectionWithoutStreamsForTheIdleTimeoutIsClosedWithGoAway() {
    try (Http2Harness t = new Http2Harness(1, "    timeouts: { idle: 10s, request: 1h }\n")) {
      t.request(1, grpc("/pkg.Svc/Watch"), false); // a gRPC stream silent for long is no idleness
      t.advance(Duration.ofSeconds(40));
      assertThat(t.client.isOpen()).isTrue();
      t.send(H2Codec.rst(1, Http2Error.CANCEL.code()));
      t.frames();
      t.advance(Duration.ofSeconds(16));
      assertThat(only(t.frames(), H2Codec.GOAWAY).errorCode()).isEqualTo(Http2Error.NO_ERROR.code());
      assertThat(t.client.isOpen()).isFalse();
    }
  }

  @Test
  void aGrpcCallWhoseTimeoutPassesEndsWithDeadlineExceededAndNoVerdictOnTheInstance() {
    try (Http2Harness t = new Http2Harness(1, "")) {
      t.frames();
      t.request(1, grpc("/pkg.Svc/Get", "grpc-timeout", "250m"), false);
      t.send(H2Codec.data(1, new byte[] {0, 0, 0, 0, 0}, true));
      assertThat(t.h.upstreamGot(0)).startsWith("POST /pkg.Svc/Get HTTP/1.1");
      t.advance(Duration.ofMillis(240));
      assertThat(t.frames(H2Codec.HEADERS)).isEmpty();
      t.advance(Duration.ofMillis(20));
      Frame answer = only(t.frames(), H2Codec.HEADERS);
      assertThat(answer.has(H2Codec.END_STREAM)).isTrue();
      assertThat(answer.headers().status().toString()).isEqualTo("200");
      assertThat(answer.headers().get("grpc-status").toString()).isEqualTo("4");
      assertThat(t.h.upstreams.get(0).isOpen()).as("the call reaches the instance no more").isFalse();
      assertThat(t.h.backend(ExchangeHarness.FIRST_PORT).failures()).isZero();
    }
  }

  @Test
  void aGrpcCallNoInstanceCanTakeIsUnavailable() {
    try (Http2Harness t = new Http2Harness(1, "")) {
      t.h.refusing.add(ExchangeHarness.FIRST_PORT);
      t.frames();
      t.request(1, grpc("/pkg.Svc/Get"), false);
      t.send(H2Codec.data(1, new byte[5], true));
      Frame answer = only(t.frames(), H2Codec.HEADERS);
      assertThat(answer.headers().status().toString()).isEqualTo("200");
      assertThat(answer.headers().get("content-type").toString()).isEqualTo("application/grpc");
      assertThat(answer.headers().get("grpc-status").toString()).isEqualTo("14");
      assertThat(answer.has(H2Codec.END_STREAM)).isTrue();
    }
  }

  @Test
  void aGrpcCallCutAfterItsHeadEndsWithUnavailableInTrailers() {
    try (Http2Harness t = new Http2Harness(1, "")) {
      t.frames();
      t.request(1, grpc("/pkg.Svc/Stream"), true);
      t.h.upstreamGot(0);
      t.h.answer(0, "HTTP/1.1 200 OK\r\ncontent-type: application/grpc\r\ntransfer-encoding: chunked\r\n\r\n5\r\n\0\0\0\0\0\r\n");
      t.h.upstreams.get(0).close(); // the instance dies mid-stream
      List<Frame> frames = t.frames();
      List<Frame> headers = frames.stream().filter(f -> f.type() == H2Codec.HEADERS).toList();
      assertThat(headers).hasSize(2);
      assertThat(headers.get(1).has(H2Codec.END_STREAM)).isTrue();
      assertThat(headers.get(1).headers().get("grpc-status").toString()).isEqualTo("14");
      assertThat(frames).noneMatch(f -> f.type() == H2Codec.RST_STREAM && f.errorCode() != Http2Error.NO_ERROR.code());
    }
  }

  @Test
  void aPlainRequestCutAfterItsHeadIsReset() {
    try (Http2Harness t = new Http2Harness(1, "")) {
      t.frames();
      t.request(1, request("GET", "/big"), true);
      t.h.upstreamGot(0);
      t.h.answer(0, "HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\n" + "x".repeat(5000));
      t.h.upstreams.get(0).close();
      Frame reset = only(t.frames(), H2Codec.RST_STREAM);
      assertThat(reset.errorCode()).isEqualTo(Http2Error.INTERNAL_ERROR.code());
    }
  }

  @Test
  void theRequestBodysWindowGoesBackOnlyOnceTheUpstreamTakesIt() {
    try (Http2Harness t = new Http2Harness(1, "")) {
      t.h.deferConnects = true;
      t.frames();
      t.request(1, request("POST", "/up"), false);
      // 48 KiB of a body still coming: past half the 64 KiB window, where an update is due
      t.send(H2Codec.data(1, new byte[16_384], false), H2Codec.data(1, new byte[16_384], false),
          H2Codec.data(1, new byte[16_384], false));
      assertThat(t.frames(H2Codec.WINDOW_UPDATE)).as("while connecting").isEmpty();
      t.h.connect(true);
      List<Frame> updates = t.frames(H2Codec.WINDOW_UPDATE);
      assertThat(updates).anyMatch(f -> f.streamId() == 1);
      assertThat(t.h.upstreamGot(0)).startsWith("POST /up HTTP/1.1").contains("transfer-encoding: chunked");
    }
  }

  @Test
  void aClientResetClosesTheInstancesConnection() {
    try (Http2Harness t = new Http2Harness(1, "")) {
      t.request(1, request("GET", "/slow"), true);
      assertThat(t.h.upstreams.get(0).isOpen()).isTrue();
      t.send(H2Codec.rst(1, Http2Error.CANCEL.code()));
      assertThat(t.h.upstreams.get(0).isOpen()).isFalse();
      assertThat(t.h.route.stats().streamResets()).isEqualTo(1);
      assertThat(t.h.backend(ExchangeHarness.FIRST_PORT).failures()).isZero();
    }
  }

  @Test
  void aStreamResetInTheReadThatBroughtItCostsNoUpstream() {
    try (Http2Harness t = new Http2Harness(1, "")) {
      t.send(t.codec.headers(1, request("GET", "/x"), true), H2Codec.rst(1, Http2Error.CANCEL.code()));
      assertThat(t.h.upstreams).isEmpty();
      assertThat(t.h.route.stats().streams()).isZero();
    }
  }

  @Test
  void acknowledgementsAClientNeverReadsAreBounded() {
    Stall stall = new Stall();
    try (Http2Harness t = new Http2Harness(1, "    http2: { max-control-frames: 0, max-queued-control-frames: 10 }\n", stall)) {
      // the acknowledgement of the client's SETTINGS is one of them
      for (int i = 0; i < 9; i++) {
        t.send(H2Codec.ping(i, false));
      }
      assertThat(t.client.isOpen()).isTrue();
      t.send(H2Codec.ping(9, false));
      assertThat(t.client.isOpen()).isFalse();
      assertThat(t.h.route.stats().calmed()).isEqualTo(1);
    }
  }

  /** Writes that never complete while the connection is open: a client that reads nothing, its socket buffers full. */
  private static final class Stall extends ChannelOutboundHandlerAdapter {
    private final List<ChannelPromise> held = new java.util.ArrayList<>();

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
      ReferenceCountUtil.release(msg);
      held.add(promise);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
      for (ChannelPromise p : held) {
        p.tryFailure(new java.nio.channels.ClosedChannelException()); // as a closed socket fails its writes
      }
      held.clear();
      ctx.close(promise);
    }
  }
}
