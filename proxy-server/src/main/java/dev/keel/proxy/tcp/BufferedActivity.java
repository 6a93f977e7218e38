package dev.keel.proxy.tcp;

import dev.keel.balancer.ConnectionLease;

/**
 * {@link Activity} of a buffered relay, kept from the relay's own reads and completed writes. It
 * also marks the lease idle or busy as the connection turns, so that shedding prefers connections
 * between exchanges. Event-loop confined.
 */
final class BufferedActivity implements Activity {
  private final ConnectionLease lease;
  private long lastMoveNanos;
  private int pendingToUpstream;
  private int pendingToClient;
  private boolean answered = true;

  BufferedActivity(ConnectionLease lease, long nowNanos) {
    this.lease = lease;
    this.lastMoveNanos = nowNanos;
    lease.markIdle();
  }

  /** Bytes were read from the client (true) or the upstream (false) and are being written on. */
  void onRead(boolean fromClient, long nowNanos) {
    lastMoveNanos = nowNanos;
    if (fromClient) {
      pendingToUpstream++;
      if (answered) {
        answered = false;
        lease.markBusy();
      }
    } else {
      pendingToClient++;
    }
  }

  /** A write started by {@link #onRead} completed (successfully or not). */
  void onWritten(boolean fromClient, long nowNanos) {
    lastMoveNanos = nowNanos;
    if (fromClient) {
      pendingToUpstream--;
    } else {
      pendingToClient--;
      if (pendingToClient == 0 && pendingToUpstream == 0 && !answered) {
        answered = true;
        lease.markIdle();
      }
    }
  }

  @Override
  public long quietNanos(long nowNanos) {
    return nowNanos - lastMoveNanos;
  }

  @Override
  public boolean answered() {
    return answered && pendingToClient == 0 && pendingToUpstream == 0;
  }
}
