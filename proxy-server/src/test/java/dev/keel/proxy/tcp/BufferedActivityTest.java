package dev.keel.proxy.tcp;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.balancer.Balancer;
import dev.keel.balancer.ConnectionBalancer;
import dev.keel.balancer.ConnectionLease;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** How the buffered relay's activity marks a lease idle or busy as a connection turns. */
class BufferedActivityTest {
  private RegistryClient registry;
  private Balancer balancer;
  private ConnectionLease lease;

  /** A real lease on a one-instance service: the activity marks it as a relay would. */
  @BeforeEach
  void openLease() {
    registry = Registries.open("static://127.0.0.1:1");
    balancer = Balancer.builder(registry, "svc").build();
    lease = requireNonNull(ConnectionBalancer.create(balancer).open());
  }

  @AfterEach
  void close() {
    lease.close();
    balancer.close();
    registry.close();
  }

  @Test
  void aRequestMakesTheConnectionBusyUntilItsAnswerHasBeenWrittenToTheClient() {
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
    BufferedActivity a = new BufferedActivity(lease, 0);
    a.onRead(false, 1);
    assertThat(a.answered()).as("a push is on its way to the client").isFalse();
    a.onWritten(false, 2);
    assertThat(a.answered()).isTrue();
    assertThat(lease.idle()).isTrue();
  }
}
