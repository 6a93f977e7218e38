package dev.keel.balancer;

import java.util.List;

/**
 * An immutable view of what a balancer currently balances over, published together with its picker.
 *
 * @param members every endpoint of the current discovery snapshot, sorted by id
 * @param available the endpoints the picker chooses from: the members with weight &gt; 0 that are
 *     up by active health checks and not ejected; in panic mode also the ejected ones (never one
 *     down by active checks); empty means "none available"
 * @param panic true when fewer than the panic threshold of the members with weight &gt; 0 were
 *     available, so ejected members are picked from again
 * @param membershipChangedAtNanos the balancer-clock time of the last change to {@code members}
 * @param version increases with every published picker
 * @param stale true when the members come from the registry's snapshot cache because the registry
 *     could not be reached ({@link dev.keel.registry.InstanceSet#stale()}); false once a fresh set arrives
 */
public record BalancerState(List<Endpoint> members, List<Endpoint> available, boolean panic,
    long membershipChangedAtNanos, long version, boolean stale) {
  public BalancerState {
    members = List.copyOf(members);
    available = List.copyOf(available);
  }

  /** A state read from the registry itself (not stale). */
  public BalancerState(List<Endpoint> members, List<Endpoint> available, boolean panic,
      long membershipChangedAtNanos, long version) {
    this(members, available, panic, membershipChangedAtNanos, version, false);
  }

  /** The member with {@code id}, or null. */
  public @org.jspecify.annotations.Nullable Endpoint member(String id) {
    for (Endpoint e : members) {
      if (e.id().equals(id)) {
        return e;
      }
    }
    return null;
  }
}
