package dev.keel.proxy.http;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The exchange's phases as a request goes through, on embedded channels (no sockets, no sleeps):
 * each move of the diagram in {@link Phase}, and nothing else.
 */
class ExchangePhasesTest {
  private static final String GET = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
  private static final String OK = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";

  @Test
  void onlyTheMovesOfTheDiagramAreAllowed() {
    Map<Phase, Set<Phase>> allowed = Map.of(
        Phase.IDLE, EnumSet.of(Phase.CONNECTING, Phase.CLOSING),
        Phase.CONNECTING, EnumSet.of(Phase.CONNECTING, Phase.SENDING, Phase.AWAITING_HEAD, Phase.CLOSING),
        Phase.SENDING, EnumSet.of(Phase.AWAITING_HEAD, Phase.STREAMING, Phase.CONNECTING, Phase.CLOSING),
        Phase.AWAITING_HEAD, EnumSet.of(Phase.STREAMING, Phase.TUNNEL, Phase.CONNECTING, Phase.CLOSING),
        Phase.STREAMING, EnumSet.of(Phase.DONE, Phase.CONNECTING, Phase.CLOSING),
        Phase.TUNNEL, EnumSet.of(Phase.CLOSING),
        Phase.CLOSING, EnumSet.noneOf(Phase.class),
        Phase.DONE, EnumSet.noneOf(Phase.class));
    for (Phase from : Phase.values()) {
      for (Phase to : Phase.values()) {
        assertThat(from.canMoveTo(to)).as("%s -> %s", from, to).isEqualTo(requireNonNull(allowed.get(from)).contains(to));
      }
    }
    assertThat(EnumSet.of(Phase.DONE, Phase.CLOSING)).allMatch(Phase::over);
    assertThat(EnumSet.complementOf(EnumSet.of(Phase.DONE, Phase.CLOSING))).noneMatch(Phase::over);
  }

  @Test
  void getGoesConnectingAwaitingHeadStreamingDoneAndTheConnectionStaysOpen() {
    try (ExchangeHarness h = new ExchangeHarness(1, "")) {
      h.deferConnects = true;
      h.send(GET);
      assertThat(h.phase()).isEqualTo(Phase.CONNECTING);
      assertThat(h.upstreamGot(0)).as("nothing before the connection is up").isEmpty();
      h.connect(true);
      assertThat(h.phase()).isEqualTo(Phase.AWAITING_HEAD);
      assertThat(h.upstreamGot(0)).startsWith("GET /a HTTP/1.1\r\nHost: x\r\n").contains("x-forwarded-for: ");
      h.answer(0, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n");
      assertThat(h.phase()).isEqualTo(Phase.STREAMING);
      assertThat(h.clientGot()).as("a small body's head waits for the body").isEmpty();
      h.answer(0, "ok");
      assertThat(h.phase()).as("between exchanges").isNull();
      assertThat(h.clientGot()).isEqualTo("HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
      assertThat(h.client.isOpen()).isTrue();
      assertThat(h.backend(ExchangeHarness.FIRST_PORT).inflight()).isZero();
      assertThat(h.backend(ExchangeHarness.FIRST_PORT).requests()).isEqualTo(1);
    }
  }

  @Test
  void postWithABodyStillComingGoesSendingThenAwaitingHeadAtItsLastByte() {
    try (ExchangeHarness h = new ExchangeHarness(1, "")) {
      h.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01234");
      assertThat(h.phase()).isEqualTo(Phase.SENDING);
      assertThat(h.upstreamGot(0)).startsWith("POST /up HTTP/1.1\r\n").contains("content-length: 10\r\n").endsWith("01234");
      h.send("56789");
      assertThat(h.phase()).isEqualTo(Phase.AWAITING_HEAD);
      assertThat(h.upstreamGot(0)).isEqualTo("56789");
      h.answer(0, OK);
      assertThat(h.clientGot()).endsWith("\r\n\r\nok");
      assertThat(h.phase()).isNull();
    }
  }

  @Test
  void answerBeforeTheRequestEndsIsRelayedAndTheConnectionClosesAfterIt() {
    try (ExchangeHarness h = new ExchangeHarness(1, "")) {
      h.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nabc");
      assertThat(h.phase()).isEqualTo(Phase.SENDING);
      h.answer(0, "HTTP/1.1 413 Content Too Large\r\nContent-Length: 0\r\n\r\n");
      assertThat(h.clientGot()).startsWith("HTTP/1.1 413 ")
          .as("says it closes: a keep-alive client would send its next request on a connection being closed")
          .containsIgnoringCase("\r\nconnection: close\r\n");
      assertThat(h.client.isOpen()).as("the rest of the body would be taken for the next request").isFalse();
      assertThat(h.upstreams.get(0).isOpen()).as("an upstream with half a request is not reused").isFalse();
    }
  }

  @Test
  void chunkedBodyMalformedInTheHeadsReadIsRefusedBeforeAnyUpstreamIsOpened() {
    try (ExchangeHarness h = new ExchangeHarness(1, "")) {
      h.send("POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;x\nhello\r\n0\r\n\r\n");
      assertThat(h.clientGot()).startsWith("HTTP/1.1 400 ");
      assertThat(h.upstreams).as("upstream connections opened").isEmpty();
      assertThat(h.client.isOpen()).isFalse();
    }
  }

  @Test
  void pipelinedRequestsWaitForTheResponseBeforeThemAndGoOutInOrder() {
    try (ExchangeHarness h = new ExchangeHarness(1, "")) {
      h.send(GET + "GET /b HTTP/1.1\r\nHost: x\r\n\r\n" + "POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz");
      assertThat(h.upstreamGot(0)).startsWith("GET /a ").doesNotContain("/b");
      h.answer(0, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n1");
      assertThat(h.clientGot()).endsWith("\r\n\r\n1");
      assertThat(h.upstreamGot(0)).as("the next one, on the pooled connection").startsWith("GET /b ").doesNotContain("/c");
      h.answer(0, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n2");
      assertThat(h.clientGot()).endsWith("\r\n\r\n2");
      assertThat(h.upstreamGot(0)).startsWith("POST /c ").endsWith("\r\n\r\nxyz");
      h.answer(0, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n3");
      assertThat(h.clientGot()).endsWith("\r\n\r\n3");
      assertThat(h.upstreams).as("one upstream connection, reused").hasSize(1);
      assertThat(h.phase()).isNull();
    }
  }

  @Test
  void interimResponsesReachHttp11ClientsBeforeTheFinalOne() {
    try (ExchangeHarness h = new ExchangeHarness(1, "")) {
      h.send(GET);
      h.answer(0, "HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n");
      assertThat(h.phase()).as("an interim head is no answer").isEqualTo(Phase.AWAITING_HEAD);
      h.answer(0, OK);
      assertThat(h.clientGot()).isEqualTo("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\n"
          + "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
    }
  }

  @Test
  void expectContinueIsAnsweredOnceConnectedThenTheBodyFlows() {
    try (ExchangeHarness h = new ExchangeHarness(1, "")) {
      h.deferConnects = true;
      h.send("PUT /f HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
      assertThat(h.clientGot()).as("no 100 before an instance is there").isEmpty();
      h.connect(true);
      assertThat(h.clientGot()).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
      assertThat(h.upstreamGot(0)).doesNotContainIgnoringCase("expect");
      h.send("data");
      assertThat(h.upstreamGot(0)).isEqualTo("data");
      assertThat(h.phase()).isEqualTo(Phase.AWAITING_HEAD);
    }
  }

  @Test
  void latencyReportedIsWhatTheInstanceTookFromTheLastByteSentToTheHead() {
    try (ExchangeHarness h = new ExchangeHarness(1, "    timeouts: { body-read: 60s }\n")) {
      h.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab");
      h.advance(Duration.ofSeconds(5)); // a slow client: none of the instance's time
      h.send("cd");
      h.advance(Duration.ofMillis(40)); // what a client sending to the instance directly would wait
      h.answer(0, OK);
      assertThat(h.dialed.get(0).ewmaMillis()).as("/status ewmaMillis").isCloseTo(40.0, within(0.001));
      assertThat(h.dialed.get(0).peakEwmaMillis()).as("/status peakEwmaMillis").isCloseTo(40.0, within(0.5));
    }
  }

  @Test
  void aKeepAliveRequestInLeavesOneReadArmedForTheNextOne() {
    try (ExchangeHarness h = new ExchangeHarness(1, "")) {
      int before = h.clientReads;
      h.send(GET);
      assertThat(h.phase()).isEqualTo(Phase.AWAITING_HEAD);
      assertThat(h.clientReads).as("read ahead: the next request may come").isEqualTo(before + 1);
      h.send("GET /b HTTP/1.1\r\nHost: x\r\n\r\n");
      assertThat(h.clientReads).as("nothing more read while a request is queued").isEqualTo(before + 1);
      assertThat(h.upstreamGot(0)).doesNotContain("/b");
      h.answer(0, OK);
      assertThat(h.upstreamGot(0)).as("the queued one goes next").startsWith("GET /b ");
      h.answer(0, OK);
      assertThat(h.clientReads).as("read again between exchanges").isGreaterThan(before + 1);
    }
  }

  @Test
  void noReadAheadWhenTheNextBytesCouldBeAnotherProtocolOrTheConnectionEnds() {
    for (String head : new String[] {
        "GET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        "GET /a HTTP/1.0\r\nHost: x\r\n\r\n",
        "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"}) {
      try (ExchangeHarness h = new ExchangeHarness(1, "")) {
        int before = h.clientReads;
        h.send(head);
        assertThat(h.phase()).as(head).isEqualTo(Phase.AWAITING_HEAD);
        assertThat(h.clientReads).as("no read while %s waits for its answer", head).isEqualTo(before);
      }
    }
  }

  @Test
  void aPipelinedBodyQueuedBehindASlowAnswerIsNotTimedAgainstTheClient() {
    try (ExchangeHarness h = new ExchangeHarness(1, "    timeouts: { request: 60s, body-read: 2s, idle: 60s }\n")) {
      h.send(GET);
      h.send("POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab"); // read ahead, queued
      h.advance(Duration.ofSeconds(10)); // the instance takes its time over /a
      h.answer(0, OK);
      assertThat(h.clientGot()).as("no 408 and no close for the body the proxy held back").endsWith("\r\n\r\nok");
      assertThat(h.upstreamGot(0)).contains("POST /b ").endsWith("\r\n\r\nab");
      h.send("cd");
      assertThat(h.upstreamGot(0)).isEqualTo("cd");
      h.answer(0, OK);
      assertThat(h.clientGot()).endsWith("\r\n\r\nok");
      assertThat(h.client.isOpen()).isTrue();
    }
  }

  @Test
  void noReadWhileTheUpstreamHoldsTheBodyBack() {
    try (ExchangeHarness h = new ExchangeHarness(1, "")) {
      h.deferConnects = true;
      int before = h.clientReads;
      h.send("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n12345");
      assertThat(h.phase()).isEqualTo(Phase.CONNECTING);
      assertThat(h.clientReads).as("the body waits for the connection").isEqualTo(before);
    }
  }
}
