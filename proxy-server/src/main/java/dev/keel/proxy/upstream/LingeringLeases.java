package dev.keel.proxy.upstream;

import dev.keel.balancer.ConnectionLease;
import io.netty.channel.EventLoop;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

/**
 * Keeps the leases of shed connections counting until one new connection has been placed (the shed
 * client's reconnect, most likely) or a grace period passes, whichever is first. Without this the
 * total drops between a shed and its reconnect, the shares with it, and more would be shed than
 * needed. (A balancer-side "reconnect grace" would be the better home for this.) Thread-safe.
 */
public final class LingeringLeases {
  private final Queue<ConnectionLease> lingering = new ConcurrentLinkedQueue<>();

  /** {@code lease}'s connection was shed and is gone: close the lease at the latest after {@code graceNanos}. */
  public void linger(ConnectionLease lease, EventLoop loop, long graceNanos) {
    lingering.add(lease);
    loop.schedule(() -> {
      lingering.remove(lease);
      lease.close();
    }, graceNanos, TimeUnit.NANOSECONDS);
  }

  /** A new connection was placed: the oldest lingering lease stops counting. */
  public void placed() {
    ConnectionLease l = lingering.poll();
    if (l != null) {
      l.close();
    }
  }
}
