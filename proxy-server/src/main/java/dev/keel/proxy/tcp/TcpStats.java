package dev.keel.proxy.tcp;

import dev.keel.proxy.listener.ConnectionGate;
import java.util.concurrent.atomic.LongAdder;

/** Counters of one tcp listener, updated from its event loops without locks; read by the admin listener. */
public final class TcpStats {
  private final ConnectionGate gate;
  final LongAdder accepted = new LongAdder();
  final LongAdder noEndpoint = new LongAdder();
  final LongAdder noRoute = new LongAdder();
  final LongAdder connectFailures = new LongAdder();
  final LongAdder retries = new LongAdder();
  final LongAdder sheds = new LongAdder();
  final LongAdder idleTimeouts = new LongAdder();

  TcpStats(ConnectionGate gate) {
    this.gate = gate;
  }

  /** Client connections open now (including those still connecting upstream). */
  public int open() {
    return gate.open();
  }

  /** Client connections accepted (not counting those refused by the limit). */
  public long accepted() {
    return accepted.sum();
  }

  /** Client connections closed at once because {@code max-connections} were open (or the descriptor reserve reached). */
  public long rejected() {
    return gate.refused();
  }

  /** Client connections closed because no endpoint was available or every attempt failed. */
  public long noEndpoint() {
    return noEndpoint.sum();
  }

  /** Client connections closed after the handshake because no route took their server name (or it gave an invalid service name). */
  public long noRoute() {
    return noRoute.sum();
  }

  /** Upstream connect attempts that failed (each is reported to the balancer). */
  public long connectFailures() {
    return connectFailures.sum();
  }

  /** Connect attempts made after a failed one. */
  public long retries() {
    return retries.sum();
  }

  /** Client connections closed by rebalancing (forced closes). */
  public long sheds() {
    return sheds.sum();
  }

  /** Connections closed by the idle timeout. */
  public long idleTimeouts() {
    return idleTimeouts.sum();
  }
}
