package dev.keel.grpc.internal;

import static java.util.Objects.requireNonNull;

import dev.keel.balancer.Balancer;
import dev.keel.balancer.ConnectionBalancer;
import dev.keel.balancer.ConnectionLease;
import dev.keel.balancer.Endpoint;
import dev.keel.registry.Discovery;
import dev.keel.registry.Subscription;
import java.util.Collection;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * One {@link Balancer} and {@link ConnectionBalancer} shared by the {@code keel_connection} channels
 * of a process to one service (same registry client, same config): each channel holds one
 * connection, and the group places and sheds them so that all of them together stay even.
 *
 * <p>Members are told of every balancer state change and of each of their leases the connection
 * balancer sheds; both calls come on the balancer's threads, so members hand them to their own
 * synchronization context. Thread-safe.
 */
final class ConnectionGroup {
  /** A channel of the group. Both methods must return quickly (hand the work to the channel's context). */
  interface Member {
    /** Membership, health or ejection changed: check that the connection's instance is still available. */
    void stateChanged();

    /** The connection balancer asks for {@code lease}'s connection to move. */
    void shed(ConnectionLease lease);
  }

  private final Balancer balancer;
  private final ConnectionBalancer connections;
  private final Set<Member> members = ConcurrentHashMap.newKeySet();
  private final Map<ConnectionLease, Member> owners = new ConcurrentHashMap<>();
  private final Subscription stateListener;
  private final Subscription shedding;

  ConnectionGroup(Discovery discovery, String service, KeelLbConfig config) {
    this.balancer = Balancer.builder(discovery, service).config(config.balancer()).build();
    this.connections = ConnectionBalancer.create(balancer);
    this.stateListener = balancer.onStateChange(() -> members.forEach(Member::stateChanged));
    this.shedding = connections.shedEvery(config.rebalanceInterval(), this::shed);
  }

  private void shed(ConnectionLease lease) {
    Member owner = owners.get(lease);
    if (owner != null) {
      owner.shed(lease);
    } else {
      lease.keep(); // its channel is closing it already
    }
  }

  Balancer balancer() {
    return balancer;
  }

  void join(Member member) {
    members.add(requireNonNull(member, "member"));
  }

  void leave(Member member) {
    members.remove(member);
  }

  /** Places a connection for {@code owner}, off the {@code exclude}d endpoints; null when none is available. */
  @Nullable ConnectionLease open(Member owner, Collection<? extends Endpoint> exclude) {
    ConnectionLease lease = connections.open(exclude);
    if (lease != null) {
      owners.put(lease, owner);
    }
    return lease;
  }

  /** The connection is gone: stop counting it. */
  void close(ConnectionLease lease) {
    owners.remove(lease);
    lease.close();
  }

  /** True while {@code endpointId} is one the balancer would place on. */
  boolean available(String endpointId) {
    for (Endpoint e : balancer.state().available()) {
      if (e.id().equals(endpointId)) {
        return true;
      }
    }
    return false;
  }

  ConnectionBalancer connections() {
    return connections;
  }

  void shutdown() {
    shedding.close();
    stateListener.close();
    balancer.close();
  }
}
