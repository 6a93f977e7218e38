package dev.keel.grpc;

import dev.keel.registry.ConnectionCountPublisher;
import io.grpc.Attributes;
import io.grpc.ServerTransportFilter;
import org.jspecify.annotations.Nullable;

/**
 * {@link ServerRegistration}'s count of a server's client connections: up in {@code
 * transportReady}, down in {@code transportTerminated} for the transports it counted (grpc-java
 * also terminates transports that never became ready), handed to a {@link ConnectionCountPublisher}
 * once the server is registered. Transport events are rare, so a short lock keeps the count and
 * the publisher in step. Thread-safe.
 */
final class TransportCounter extends ServerTransportFilter {
  private static final Attributes.Key<Boolean> COUNTED = Attributes.Key.create("keel.counted");

  /** Set when the filter was handed out to be added to a server. */
  volatile boolean taken;
  private int count; // guarded by this
  private @Nullable ConnectionCountPublisher publisher; // guarded by this

  @Override
  public Attributes transportReady(Attributes attrs) {
    synchronized (this) {
      count++;
      if (publisher != null) {
        publisher.opened();
      }
    }
    return attrs.toBuilder().set(COUNTED, Boolean.TRUE).build();
  }

  @Override
  public void transportTerminated(@Nullable Attributes attrs) {
    if (attrs == null || attrs.get(COUNTED) == null) {
      return;
    }
    synchronized (this) {
      count--;
      if (publisher != null) {
        publisher.closed();
      }
    }
  }

  synchronized int count() {
    return count;
  }

  /** From now on the count goes to {@code p}, starting with the connections already open. */
  synchronized void publishTo(ConnectionCountPublisher p) {
    for (int k = 0; k < count; k++) {
      p.opened();
    }
    publisher = p;
  }

  /** Stops publishing (the publisher is closed); counting goes on. */
  synchronized void stopPublishing() {
    if (publisher != null) {
      publisher.close();
      publisher = null;
    }
  }
}
