package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.proxy.support.H2Script;
import dev.keel.proxy.support.H2Script.Frame;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Flow control and liveness of upstream HTTP/2 streams, on embedded channels: a response goes back
 * to the instance's window only as the client takes it; the request body is read from the client
 * only while the stream's window has room; a silent connection is PINGed and closed when the PING
 * goes unanswered; a request given up without an answer probes its connection.
 */
class Http2UpstreamFlowControlTest {
  private static final String GET = "GET /big HTTP/1.1\r\nHost: x\r\n\r\n";
  private static final int CHUNK = 16 * 1024;

  private static void setClientWritable(H2ExchangeHarness h, boolean writable) {
    h.client.unsafe().outboundBuffer().setUserDefinedWritability(1, writable);
    h.client.runPendingTasks();
  }

  private static List<Frame> windowUpdates(H2Script up, int stream) {
    return up.received("WINDOW_UPDATE").stream().filter(f -> f.stream() == stream).toList();
  }

  @Test
  void aSlowClientHoldsItsStreamsWindowAndTheBytesGoBackOnlyAsItTakesThem() {
    try (H2ExchangeHarness h = new H2ExchangeHarness(1, ", stream-window: 64k", "")) {
      h.send(GET);
      H2Script up = h.upstream(0);
      up.settings(0);
      up.received();
      up.head(3, "200", false);
      h.clientGot();
      setClientWritable(h, false); // the client stopped reading
      for (int i = 0; i < 3; i++) {
        up.data(3, Unpooled.wrappedBuffer(new byte[CHUNK]), false);
      }
      // the proxy had asked for more while the client could take it: one piece went, then it waits
      String first = h.clientGot();
      assertThat(first).startsWith("4000\r\n").hasSize(6 + CHUNK + 2);
      assertThat(windowUpdates(up, 3)).as("the instance's window stays spent").isEmpty();

      setClientWritable(h, true); // it reads again
      String got = h.clientGot();
      assertThat(got).hasSize(2 * (6 + CHUNK + 2));
      List<Frame> updates = windowUpdates(up, 3);
      assertThat(updates).hasSize(1);
      assertThat(Integer.parseInt(updates.get(0).data())).isEqualTo(3 * CHUNK);
      up.data(3, "end", true);
      assertThat(h.clientGot()).endsWith("3\r\nend\r\n0\r\n\r\n");
    }
  }

  @Test
  void theRequestBodyIsReadFromTheClientOnlyWhileTheStreamsWindowHasRoom() {
    try (H2ExchangeHarness h = new H2ExchangeHarness(1, "", "")) {
      int n = 200_000;
      h.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: " + n + "\r\n\r\n" + "a".repeat(70_000));
      H2Script up = h.upstream(0);
      up.received();
      up.settings(0); // the instance's initial stream window: 65,535
      long sent = up.received("DATA").stream().mapToLong(f -> f.data().length()).sum();
      assertThat(sent).isEqualTo(65_535);
      Phase p = h.phase();
      assertThat(p).isEqualTo(Phase.SENDING);
      Exchange e = java.util.Objects.requireNonNull(h.handler.current());
      assertThat(e.wantsClientBytes()).as("the client is not read while the window is spent").isFalse();
      up.windowUpdate(3, 1_000_000).windowUpdate(0, 1_000_000); // the stream's and the connection's
      assertThat(up.received("DATA").stream().mapToLong(f -> f.data().length()).sum()).isEqualTo(70_000 - 65_535);
      assertThat(e.wantsClientBytes()).as("room again: read on").isTrue();
    }
  }

  @Test
  void aSilentConnectionIsPingedAndClosedWhenThePingGoesUnansweredAndItsGetIsRetried() {
    try (H2ExchangeHarness h = new H2ExchangeHarness(1, ", ping-interval: 10s, ping-timeout: 4s", "")) {
      h.send("GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n");
      H2Script up = h.upstream(0);
      up.settings(0);
      up.received();
      h.pass(Duration.ofSeconds(6));
      assertThat(up.received("PING")).isEmpty();
      h.pass(Duration.ofSeconds(6));
      assertThat(up.received("PING")).as("silent for the ping interval").hasSize(1);
      h.pass(Duration.ofSeconds(3));
      assertThat(up.channel().isOpen()).isTrue();
      h.pass(Duration.ofSeconds(3));
      assertThat(up.channel().isOpen()).as("no answer within the ping timeout: dead").isFalse();
      assertThat(h.upstreams).as("the GET went again on a new connection").hasSize(2);
      h.upstream(1).settings(0).head(3, "204", true);
      assertThat(h.clientGot()).startsWith("HTTP/1.1 204 ");
    }
  }

  @Test
  void anAnsweredPingKeepsTheConnection() {
    try (H2ExchangeHarness h = new H2ExchangeHarness(1, ", ping-interval: 10s, ping-timeout: 4s", "")) {
      h.send(GET);
      H2Script up = h.upstream(0);
      up.settings(0);
      up.received();
      h.pass(Duration.ofSeconds(12));
      List<Frame> ping = up.received("PING");
      assertThat(ping).hasSize(1);
      up.pingAck(Long.parseLong(ping.get(0).data()));
      h.pass(Duration.ofSeconds(6));
      assertThat(up.channel().isOpen()).isTrue();
    }
  }

  @Test
  void aRequestThatTimedOutProbesItsSilentConnection() {
    try (H2ExchangeHarness h = new H2ExchangeHarness(1, ", ping-timeout: 5s",
        "    timeouts: { request: 8s }\n")) {
      h.send(GET);
      H2Script up = h.upstream(0);
      up.settings(0);
      up.received();
      h.pass(Duration.ofSeconds(9));
      assertThat(h.clientGot()).startsWith("HTTP/1.1 504 ");
      List<Frame> sent = up.received();
      assertThat(sent).extracting(Frame::type).contains("RST_STREAM", "PING");
    }
  }
}
