package dev.keel.grpc.internal;

import dev.keel.balancer.AttachmentKey;
import dev.keel.balancer.BalancerState;
import dev.keel.balancer.Endpoint;
import dev.keel.registry.ServiceInstance;
import io.grpc.ConnectivityState;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer.PickResult;
import io.grpc.LoadBalancer.Subchannel;
import io.grpc.Status;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * The per-RPC policy's subchannels, by instance id (a subchannel exists before its instance is a
 * member of the balancer: it joins once READY), and, attached to each member {@link Endpoint}, the
 * picker's view of it: the cached pick while its subchannel is READY. The picker reads only the
 * attachment (an array slot on the endpoint, no map lookup, no allocation); the load balancer
 * writes both on the synchronization context, re-pointing every member's slot after each balancer
 * state change and clearing one at once when its subchannel leaves READY.
 */
final class Subchannels {
  /** The picker's view of one endpoint's subchannel. */
  private static final class Slot {
    volatile @Nullable PickResult ready;
  }

  private static final AttachmentKey<Slot> SLOT = AttachmentKey.create("keel-grpc subchannel", e -> new Slot());

  /** One instance's subchannel. State fields are written on the synchronization context. */
  static final class Entry {
    final String id;
    final EquivalentAddressGroup addresses;
    final Subchannel subchannel;
    final PickResult readyPick;
    volatile ServiceInstance instance;
    volatile ConnectivityState state = ConnectivityState.IDLE;
    @Nullable Status lastFailure;

    Entry(String id, ServiceInstance instance, EquivalentAddressGroup addresses, Subchannel subchannel,
        PickResult readyPick) {
      this.id = id;
      this.instance = instance;
      this.addresses = addresses;
      this.subchannel = subchannel;
      this.readyPick = readyPick;
    }
  }

  private final Map<String, Entry> byId = new ConcurrentHashMap<>();

  /** The pick for {@code endpoint} while its subchannel is READY; null otherwise (re-pick later). */
  @Nullable PickResult readyPick(Endpoint endpoint) {
    return endpoint.attachment(SLOT).ready;
  }

  /** Points every member's slot at its subchannel's pick while READY, else at nothing. */
  void attach(BalancerState state) {
    for (Endpoint e : state.members()) {
      Entry entry = byId.get(e.id());
      e.attachment(SLOT).ready = entry != null && entry.state == ConnectivityState.READY ? entry.readyPick : null;
    }
  }

  /** Clears the slot of member {@code id} now: its subchannel left READY or was removed. */
  void detach(BalancerState state, String id) {
    Endpoint e = state.member(id);
    if (e != null) {
      e.attachment(SLOT).ready = null;
    }
  }

  @Nullable Entry get(String id) {
    return byId.get(id);
  }

  void put(Entry entry) {
    byId.put(entry.id, entry);
  }

  @Nullable Entry remove(String id) {
    return byId.remove(id);
  }

  Collection<Entry> entries() {
    return byId.values();
  }

  boolean isEmpty() {
    return byId.isEmpty();
  }
}
