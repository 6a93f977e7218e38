package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.proxy.upstream.Backend;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * How an exchange ends when something goes wrong, on embedded channels with a fake clock: client
 * aborts in each phase, upstream resets before and after the head, cut bodies, retries on another
 * instance, request and read timeouts. What each costs the instance is checked on the balancer.
 */
class ExchangeFailuresTest {
  private static final String GET = "GET /a HTTP/1.1\r\nHost: x\r\n\r\n";
  private static final String POST = "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\n";

  private static Backend first(ExchangeHarness h) {
    return h.backend(ExchangeHarness.FIRST_PORT);
  }

  /** Brings a fresh exchange to {@code phase}. */
  private static void reach(ExchangeHarness h, Phase phase) {
    switch (phase) {
      case CONNECTING -> {
        h.deferConnects = true;
        h.send(GET);
      }
      case SENDING -> h.send(POST + "ab");
      case AWAITING_HEAD -> h.send(GET);
      case STREAMING -> h.send(GET).answer(0, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\npart");
      case TUNNEL -> h.send("GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
          .answer(0, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
      default -> throw new IllegalArgumentException(phase.name());
    }
    assertThat(h.phase()).isEqualTo(phase);
  }

  @ParameterizedTest(name = "{0}")
  @EnumSource(value = Phase.class, names = {"CONNECTING", "SENDING", "AWAITING_HEAD", "STREAMING", "TUNNEL"})
  void clientGoneInAnyPhaseEndsTheExchangeWithoutAVerdictOnTheInstance(Phase phase) {
    try (ExchangeHarness h = new ExchangeHarness(1, "    rebalance: { enabled: false }\n")) {
      reach(h, phase);
      h.client.close();
      assertThat(h.phase()).isNull();
      assertThat(first(h).inflight()).as("in flight").isZero();
      assertThat(first(h).failures()).as("failures").isZero();
      assertThat(h.upstreams.get(0).isOpen()).as("the upstream, with half an exchange, is closed").isFalse();
      assertThat(h.route.stats().tunnels()).isZero();
    }
  }

  @Test
  void resetBeforeTheHeadRetriesAGetOnAnotherInstance() {
    try (ExchangeHarness h = new ExchangeHarness(2, "    policy: round-robin\n")) {
      h.send(GET);
      Backend firstTry = h.dialed.get(0);
      h.upstreams.get(0).close();
      assertThat(h.dialed).hasSize(2);
      assertThat(h.dialed.get(1)).as("the retry goes elsewhere").isNotSameAs(firstTry);
      assertThat(h.upstreamGot(1)).startsWith("GET /a ");
      h.answer(1, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      assertThat(h.clientGot()).startsWith("HTTP/1.1 200 ").endsWith("ok");
      assertThat(firstTry.failures()).isEqualTo(1);
      assertThat(h.route.stats().retries()).isEqualTo(1);
    }
  }

  @Test
  void resetAfterAPostWasSentIsA502NotARetry() {
    try (ExchangeHarness h = new ExchangeHarness(2, "")) {
      h.send(POST + "abcd");
      h.upstreams.get(0).close();
      assertThat(h.clientGot()).startsWith("HTTP/1.1 502 ");
      assertThat(h.dialed).as("a body that went out is not sent twice").hasSize(1);
      assertThat(h.client.isOpen()).isFalse();
    }
  }

  @Test
  void refusedConnectIsRetriedForAnyMethodSinceNothingWasSent() {
    try (ExchangeHarness h = new ExchangeHarness(2, "    policy: round-robin\n")) {
      h.deferConnects = true;
      h.send(POST + "abcd");
      h.connect(false);
      assertThat(h.phase()).isEqualTo(Phase.CONNECTING);
      h.connect(true);
      assertThat(h.upstreamGot(1)).startsWith("POST /p ").endsWith("abcd");
      assertThat(h.dialed.get(0).failures()).isEqualTo(1);
    }
  }

  @Test
  void cutSmallBodyIsRetriedBecauseItsHeadWasHeld() {
    try (ExchangeHarness h = new ExchangeHarness(2, "    policy: round-robin\n")) {
      h.send(GET).answer(0, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhalf");
      assertThat(h.phase()).isEqualTo(Phase.STREAMING);
      h.upstreams.get(0).close();
      assertThat(h.clientGot()).as("the client saw nothing of the cut answer").isEmpty();
      h.answer(1, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789");
      assertThat(h.clientGot()).isEqualTo("HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\n0123456789");
    }
  }

  @Test
  void cutLargeBodyClosesTheClientWithoutAMadeUpEnd() {
    try (ExchangeHarness h = new ExchangeHarness(2, "")) {
      reach(h, Phase.STREAMING);
      h.upstreams.get(0).close();
      assertThat(h.clientGot()).isEqualTo("HTTP/1.1 200 OK\r\ncontent-length: 100000\r\n\r\npart");
      assertThat(h.client.isOpen()).isFalse();
      assertThat(h.dialed).as("no retry once the client has part of an answer").hasSize(1);
      assertThat(h.dialed.get(0).failures()).isEqualTo(1);
    }
  }

  @Test
  void malformedResponseIsAFailureOfTheInstanceAndRetriedWhenSafe() {
    try (ExchangeHarness h = new ExchangeHarness(2, "    policy: round-robin\n")) {
      h.send(GET).answer(0, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n");
      assertThat(h.dialed).hasSize(2);
      h.answer(1, "HTTP/1.1 204 No Content\r\n\r\n");
      assertThat(h.clientGot()).startsWith("HTTP/1.1 204 ");
      assertThat(h.dialed.get(0).failures()).isEqualTo(1);
    }
  }

  @Test
  void refusedConnectWithNoRetryLeftIsA502() {
    try (ExchangeHarness h = new ExchangeHarness(1, "    retries: { attempts: 0 }\n")) {
      h.refusing.add(ExchangeHarness.FIRST_PORT);
      h.send(GET);
      assertThat(h.clientGot()).startsWith("HTTP/1.1 502 ");
      assertThat(h.client.isOpen()).isFalse();
    }
  }

  @Test
  void noAvailableInstanceIsA503WithoutAnyUpstreamOpened() {
    try (ExchangeHarness h = new ExchangeHarness(1, "    retries: { attempts: 0 }\n"
        + "    health: { passive: { consecutive-failures: 1, ejection: 60s }, panic-threshold: 0 }\n")) {
      h.refusing.add(ExchangeHarness.FIRST_PORT);
      h.send(GET); // one connect failure ejects the only instance
      assertThat(h.clientGot()).startsWith("HTTP/1.1 502 ");
      // the picker, not the endpoint flag: ejection flips the flag before the new picker is published
      await().atMost(Duration.ofSeconds(10)).until(() -> h.picker.state().available().isEmpty());
      EmbeddedChannel client = h.newClient(); // a second client connection of the listener
      client.writeInbound(ExchangeHarness.ascii(GET));
      assertThat(h.drainClient(client)).startsWith("HTTP/1.1 503 ");
      assertThat(client.isOpen()).isFalse();
      assertThat(h.upstreams).as("upstream connections opened").isEmpty();
    }
  }

  @Test
  void requestTimeoutRunsFromTheLastByteSentAndIsA504AgainstTheInstance() {
    try (ExchangeHarness h = new ExchangeHarness(1, "    timeouts: { request: 1s, body-read: 30s }\n")) {
      h.send(POST + "ab");
      h.advance(Duration.ofSeconds(5)); // a slow client: not the instance's time
      assertThat(h.phase()).isEqualTo(Phase.SENDING);
      h.send("cd");
      assertThat(h.phase()).isEqualTo(Phase.AWAITING_HEAD);
      h.advance(Duration.ofMillis(999));
      assertThat(h.clientGot()).isEmpty();
      h.advance(Duration.ofMillis(2));
      assertThat(h.clientGot()).startsWith("HTTP/1.1 504 ");
      assertThat(first(h).failures()).as("a timeout is the instance's failure").isEqualTo(1);
    }
  }

  @Test
  void slowClientBodyGets408AndNoVerdictOnTheInstance() {
    try (ExchangeHarness h = new ExchangeHarness(1, "    timeouts: { request: 1s, body-read: 2s }\n")) {
      h.send("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000\r\n\r\n");
      assertThat(h.phase()).isEqualTo(Phase.SENDING);
      h.advance(Duration.ofSeconds(3));
      assertThat(h.clientGot()).startsWith("HTTP/1.1 408 ");
      assertThat(first(h).failures()).isZero();
      assertThat(first(h).inflight()).isZero();
      assertThat(h.upstreams.get(0).isOpen()).isFalse();
    }
  }

  @Test
  void bodyDeadlineStandsStillWhileTheUpstreamHoldsTheClientBack() {
    try (ExchangeHarness h = new ExchangeHarness(1, "    timeouts: { body-read: 2s, idle: 60s }\n")) {
      h.send(POST + "ab");
      h.upstreams.get(0).config().setWriteBufferWaterMark(new io.netty.channel.WriteBufferWaterMark(1, 2));
      h.upstreams.get(0).unsafe().outboundBuffer().addMessage(ExchangeHarness.ascii("stuck"), 5,
          h.upstreams.get(0).voidPromise());
      assertThat(h.upstreams.get(0).isWritable()).isFalse();
      h.client.pipeline().fireChannelReadComplete(); // the proxy sees it cannot pass more on
      h.advance(Duration.ofSeconds(10));
      assertThat(h.clientGot()).as("no 408 while the instance is the one not reading").isEmpty();
      assertThat(h.phase()).isEqualTo(Phase.SENDING);
    }
  }

  @Test
  void responseStalledForTheIdleTimeoutIsCutAndCountsAgainstTheInstance() {
    try (ExchangeHarness h = new ExchangeHarness(1, "    timeouts: { idle: 2s }\n")) {
      reach(h, Phase.STREAMING);
      h.clientGot();
      h.advance(Duration.ofSeconds(1));
      h.advance(Duration.ofSeconds(1));
      h.advance(Duration.ofSeconds(1));
      assertThat(h.client.isOpen()).isFalse();
      assertThat(first(h).failures()).isEqualTo(1);
    }
  }

  @Test
  void idleKeepAliveConnectionIsClosed() {
    try (ExchangeHarness h = new ExchangeHarness(1, "    timeouts: { idle: 2s }\n")) {
      h.send(GET).answer(0, "HTTP/1.1 204 No Content\r\n\r\n");
      for (int i = 0; i < 2; i++) {
        h.advance(Duration.ofSeconds(1));
      }
      assertThat(h.client.isOpen()).as("after 1 idle timeout, within 1.5").isTrue();
      h.advance(Duration.ofSeconds(1));
      assertThat(h.client.isOpen()).isFalse();
    }
  }
}
