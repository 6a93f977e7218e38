package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.support.H2Script;
import dev.keel.proxy.support.H2Script.Frame;
import io.netty.handler.codec.http2.Http2Error;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Exchanges whose upstream is a stream on an HTTP/2 connection, on embedded channels with the
 * instance's side played frame by frame: when the request goes out, how refusals (GOAWAY,
 * REFUSED_STREAM) and resets are retried or answered, and what the client sees.
 */
class Http2UpstreamExchangeTest {
  private static final String GET = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";

  private static List<Frame> headers(H2Script s) {
    return s.received("HEADERS");
  }

  private static int bytes(List<Frame> data) {
    return data.stream().mapToInt(f -> f.data().length()).sum();
  }

  @Test
  void aGetWaitsForTheInstancesSettingsThenGoesAsOneHeadersFrameEndingTheStream() {
    try (H2ExchangeHarness h = new H2ExchangeHarness(1, "", "")) {
      h.send(GET);
      assertThat(h.phase()).isEqualTo(Phase.CONNECTING);
      H2Script up = h.upstream(0);
      assertThat(up.received()).extracting(Frame::type).containsExactly("SETTINGS", "WINDOW_UPDATE");
      up.settings(0);
      List<Frame> sent = up.received();
      assertThat(sent).extracting(Frame::type).containsExactly("SETTINGS_ACK", "HEADERS");
      Frame head = sent.get(1);
      assertThat(head.stream()).as("Netty's client streams start at 3: 1 is kept for an h2c upgrade").isEqualTo(3);
      assertThat(head.endStream()).as("no body: the HEADERS end the stream").isTrue();
      assertThat(head.headers().authority().toString()).isEqualTo("x");
      assertThat(h.phase()).isEqualTo(Phase.AWAITING_HEAD);
      up.head(3, "200", false, "content-length", "2").data(3, "ok", true);
      assertThat(h.clientGot()).isEqualTo("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
      assertThat(h.phase()).isNull();
      assertThat(h.backend(H2ExchangeHarness.FIRST_PORT).requests()).isEqualTo(1);
      assertThat(h.backend(H2ExchangeHarness.FIRST_PORT).streams()).isZero();
    }
  }

  @Test
  void aStreamAboveTheGoAwaysLastStreamIdGoesAgainOnANewConnectionAndTheOldOneDrains() {
    try (H2ExchangeHarness h = new H2ExchangeHarness(1, "", "")) {
      var second = h.newClient();
      h.send(GET);
      h.send(second, GET);
      H2Script old = h.upstream(0);
      old.settings(0);
      assertThat(headers(old)).extracting(Frame::stream).containsExactly(3, 5);
      // the instance is shutting down: it will finish stream 3, never saw stream 5
      old.goAway(3, Http2Error.NO_ERROR);
      assertThat(h.upstreams).as("stream 5 went again, on a new connection").hasSize(2);
      H2Script fresh = h.upstream(1);
      fresh.settings(0);
      assertThat(headers(fresh)).extracting(Frame::stream).containsExactly(3);
      fresh.head(3, "200", false).data(3, "new", true);
      assertThat(H2ExchangeHarness.drain(second)).startsWith("HTTP/1.1 200 OK\r\n").endsWith("3\r\nnew\r\n0\r\n\r\n");
      old.head(3, "200", false).data(3, "old", true);
      assertThat(h.clientGot()).startsWith("HTTP/1.1 200 OK\r\n").endsWith("3\r\nold\r\n0\r\n\r\n");
      assertThat(old.received("GOAWAY")).as("the drained connection says goodbye").hasSize(1);
      assertThat(old.channel().isOpen()).as("and closes once its last stream ended").isFalse();
      assertThat(h.route.stats().retries()).isEqualTo(1);
      assertThat(h.route.stats().upstreamErrors()).isZero();
      assertThat(h.backend(H2ExchangeHarness.FIRST_PORT).failures()).as("a refusal is no failure").isZero();
    }
  }

  @Test
  void aBodyThatComesAfterTheHeadGoesOutAtOnceWhileTheInstanceIsSilent() {
    try (H2ExchangeHarness h = new H2ExchangeHarness(1, "", "")) {
      h.send("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n");
      H2Script up = h.upstream(0);
      up.received(); // the proxy's preface
      up.settings(0);
      assertThat(up.received()).extracting(Frame::type).containsExactly("SETTINGS_ACK", "HEADERS");
      up.head(3, "200", false); // answers at once, as an echo does, then waits for the body
      h.send("hello");
      // Netty's flow controller holds DATA until a flush passes through the HTTP/2 handler itself
      List<Frame> body = up.received("DATA");
      assertThat(body).extracting(Frame::data).containsExactly("hello");
      assertThat(body.get(0).endStream()).isTrue();
    }
  }

  @Test
  void aStreamLeftOutByAGoAwayWhileItsBodyWaitedForWindowIsNotResetAtTheInstance() {
    try (H2ExchangeHarness h = new H2ExchangeHarness(1, "", "")) {
      // one byte more than the instance's initial stream window: it waits in Netty's flow controller
      int n = HttpRoute.H2_REPLAY_LIMIT;
      h.send("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: " + n + "\r\n\r\n" + "a".repeat(n));
      H2Script old = h.upstream(0);
      old.settings(0);
      assertThat(bytes(old.received("DATA"))).as("what the stream's window took").isEqualTo(n - 1);
      old.goAway(0, Http2Error.NO_ERROR); // it never saw stream 3
      assertThat(old.received("RST_STREAM"))
          .as("a reset of a stream it never saw is a protocol error of the whole connection to the instance").isEmpty();
      H2Script fresh = h.upstream(1);
      fresh.settings(0);
      assertThat(bytes(fresh.received("DATA"))).isEqualTo(n - 1);
      fresh.windowUpdate(0, 1).windowUpdate(3, 1);
      assertThat(fresh.received("DATA")).singleElement().satisfies(f -> assertThat(f.endStream()).isTrue());
      fresh.head(3, "201", true);
      assertThat(h.clientGot()).startsWith("HTTP/1.1 201 Created\r\n");
      assertThat(h.route.stats().retries()).isEqualTo(1);
    }
  }

  @Test
  void aRefusedStreamGoesAgainWithItsBody() {
    try (H2ExchangeHarness h = new H2ExchangeHarness(1, "", "")) {
      h.send("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
      H2Script up = h.upstream(0);
      up.received(); // the proxy's preface
      up.settings(0);
      List<Frame> first = up.received();
      assertThat(first).extracting(Frame::type).containsExactly("SETTINGS_ACK", "HEADERS", "DATA");
      assertThat(first.get(2).data()).isEqualTo("hello");
      up.reset(3, Http2Error.REFUSED_STREAM);
      List<Frame> again = up.received();
      assertThat(again).extracting(Frame::type).containsExactly("HEADERS", "DATA");
      assertThat(again.get(0).stream()).isEqualTo(5);
      assertThat(again.get(0).headers().get("content-length").toString()).isEqualTo("5");
      assertThat(again.get(1).data()).isEqualTo("hello");
      assertThat(again.get(1).endStream()).isTrue();
      up.head(5, "201", true);
      assertThat(h.clientGot()).startsWith("HTTP/1.1 201 Created\r\n").contains("content-length: 0\r\n");
      assertThat(h.route.stats().retries()).isEqualTo(1);
    }
  }

  @Test
  void aRefusedStreamWhoseBodyWasTooLargeToKeepIsAnswered502() {
    try (H2ExchangeHarness h = new H2ExchangeHarness(1, "", "")) {
      int n = HttpRoute.H2_REPLAY_LIMIT + 1;
      h.send("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: " + n + "\r\n\r\n" + "a".repeat(n));
      H2Script up = h.upstream(0);
      up.settings(0);
      up.received();
      up.reset(3, Http2Error.REFUSED_STREAM);
      assertThat(h.clientGot()).startsWith("HTTP/1.1 502 ");
      assertThat(h.route.stats().retries()).isZero();
    }
  }

  @Test
  void anIdempotentRequestResetWithoutAnAnswerIsRetriedWholeAndCountsAsAFailure() {
    try (H2ExchangeHarness h = new H2ExchangeHarness(1, "", "")) {
      h.send(GET);
      H2Script up = h.upstream(0);
      up.settings(0);
      up.received();
      up.reset(3, Http2Error.INTERNAL_ERROR);
      List<Frame> again = headers(up);
      assertThat(again).extracting(Frame::stream).containsExactly(5);
      // the retry is the whole request: without END_STREAM the instance would wait for a body forever
      assertThat(again.get(0).endStream()).as("the retried GET ends its stream").isTrue();
      up.head(5, "200", true);
      assertThat(h.clientGot()).startsWith("HTTP/1.1 200 OK\r\n");
      assertThat(h.backend(H2ExchangeHarness.FIRST_PORT).failures()).isEqualTo(1);
    }
  }

  @Test
  void aResetAfterPartOfTheResponseWentOutCutsTheClientConnection() {
    try (H2ExchangeHarness h = new H2ExchangeHarness(1, "", "")) {
      h.send(GET);
      H2Script up = h.upstream(0);
      up.settings(0);
      up.head(3, "200", false).data(3, "part", false);
      assertThat(h.clientGot()).startsWith("HTTP/1.1 200 OK\r\n").endsWith("4\r\npart\r\n");
      up.reset(3, Http2Error.INTERNAL_ERROR);
      assertThat(h.clientGot()).as("no made-up end").isEmpty();
      assertThat(h.client.isOpen()).isFalse();
    }
  }

  @Test
  void aMalformedResponseHeadIsAnswered502AndTheStreamReset() {
    try (H2ExchangeHarness h = new H2ExchangeHarness(1, "", "")) {
      h.send("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\nx");
      H2Script up = h.upstream(0);
      up.settings(0);
      up.received();
      up.head(3, "20x", false);
      assertThat(h.clientGot()).startsWith("HTTP/1.1 502 ");
      assertThat(up.received("RST_STREAM")).extracting(Frame::stream).containsExactly(3);
    }
  }

  @Test
  void aClientThatGoesAwayCancelsItsStreamAtTheInstance() {
    try (H2ExchangeHarness h = new H2ExchangeHarness(1, "", "")) {
      h.send(GET);
      H2Script up = h.upstream(0);
      up.settings(0);
      up.received();
      h.client.close();
      List<Frame> rst = up.received("RST_STREAM");
      assertThat(rst).hasSize(1);
      assertThat(rst.get(0).code()).isEqualTo(Http2Error.CANCEL.code());
      assertThat(h.backend(H2ExchangeHarness.FIRST_PORT).streams()).isZero();
    }
  }

  @Test
  void aConnectRefusedGoesToAnotherInstance() {
    try (H2ExchangeHarness h = new H2ExchangeHarness(2, "", "")) {
      h.refusing.add(H2ExchangeHarness.FIRST_PORT);
      h.refusing.add(H2ExchangeHarness.FIRST_PORT + 1);
      h.send(GET);
      assertThat(h.clientGot()).startsWith("HTTP/1.1 502 ");
      h.refusing.clear();
      h.refusing.add(H2ExchangeHarness.FIRST_PORT);
      h.send(h.newClient(), GET);
      assertThat(h.dialed).extracting(b -> b.port()).containsOnly(H2ExchangeHarness.FIRST_PORT + 1);
    }
  }

  @Test
  void streamsBeyondTheInstancesLimitWaitingForItsSettingsGoToAnotherConnection() {
    try (H2ExchangeHarness h = new H2ExchangeHarness(1, "", "")) {
      h.send(GET);
      h.send(h.newClient(), GET);
      h.send(h.newClient(), GET);
      assertThat(h.upstreams).as("streams wait on the first connection for its SETTINGS").hasSize(1);
      h.upstream(0).settings(2);
      assertThat(headers(h.upstream(0))).extracting(Frame::stream).containsExactly(3, 5);
      assertThat(h.upstreams).as("the third goes to a connection of its own").hasSize(2);
      h.upstream(1).settings(2);
      assertThat(headers(h.upstream(1))).extracting(Frame::stream).containsExactly(3);
      assertThat(h.backend(H2ExchangeHarness.FIRST_PORT).connections()).isEqualTo(2);
      assertThat(h.backend(H2ExchangeHarness.FIRST_PORT).streams()).isEqualTo(3);
    }
  }

  @Test
  void aConnectionWithoutStreamsForTheIdleTimeoutSaysGoodbyeAndCloses() {
    try (H2ExchangeHarness h = new H2ExchangeHarness(1, "", "    timeouts: { idle: 10s }\n")) {
      h.send(GET);
      H2Script up = h.upstream(0);
      up.settings(0);
      up.head(3, "200", true);
      h.clientGot();
      up.received();
      h.advance(Duration.ofSeconds(6));
      assertThat(up.channel().isOpen()).isTrue();
      h.advance(Duration.ofSeconds(6));
      assertThat(up.received("GOAWAY")).hasSize(1);
      assertThat(up.channel().isOpen()).isFalse();
      assertThat(h.backend(H2ExchangeHarness.FIRST_PORT).connections()).isZero();
    }
  }
}
