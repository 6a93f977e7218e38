package dev.keel.proxy.tcp;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.balancer.ConnectionLease;
import dev.keel.balancer.Endpoint;
import org.junit.jupiter.api.Test;

/** How the buffered relay's activity marks a lease idle or busy as a connection turns. */
class BufferedActivityTest {
  private static final class Lease implements ConnectionLease {
    boolean idle;

    @Override
    public Endpoint endpoint() {
      throw new UnsupportedOperationException();
    }

    @Override
    public void markIdle() {
      idle = true;
    }

    @Override
    public void markBusy() {
      idle = false;
    }

    @Override
    public boolean idle() {
      return idle;
    }

    @Override
    public boolean shedding() {
      return false;
    }

    @Override
    public void close() {}
  }

  @Test
  void aRequestMakesTheConnectionBusyUntilItsAnswerHasBeenWrittenToTheClient() {
    Lease lease = new Lease();
    BufferedActivity a = new BufferedActivity(lease, 0);
    assertThat(lease.idle()).as("a new connection has nothing in flight").isTrue();
    assertThat(a.answered()).isTrue();

    a.onRead(true, 10);              // request read from the client
    assertThat(lease.idle()).isFalse();
    a.onWritten(true, 11);           // ... and written to the upstream: still waiting for the answer
    assertThat(a.answered()).isFalse();
    assertThat(lease.idle()).isFalse();

    a.onRead(false, 20);             // answer read from the upstream, being written
    assertThat(a.answered()).isFalse();
    a.onWritten(false, 21);          // ... and written to the client
    assertThat(a.answered()).isTrue();
    assertThat(lease.idle()).isTrue();
    assertThat(a.quietNanos(121)).isEqualTo(100);
  }

  @Test
  void bytesStillOnTheirWayKeepItBusy() {
    Lease lease = new Lease();
    BufferedActivity a = new BufferedActivity(lease, 0);
    a.onRead(true, 1);
    a.onWritten(true, 2);
    a.onRead(false, 3);
    a.onRead(true, 4);               // the client pipelines the next request before the answer is out
    a.onWritten(false, 5);
    assertThat(a.answered()).as("a request is still on its way to the upstream").isFalse();
    assertThat(lease.idle()).isFalse();
  }

  @Test
  void serverPushWithoutARequestLeavesItIdle() {
    Lease lease = new Lease();
    BufferedActivity a = new BufferedActivity(lease, 0);
    a.onRead(false, 1);
    assertThat(a.answered()).as("a push is on its way to the client").isFalse();
    a.onWritten(false, 2);
    assertThat(a.answered()).isTrue();
    assertThat(lease.idle()).isTrue();
  }
}
