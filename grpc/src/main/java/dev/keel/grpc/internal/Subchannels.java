package dev.keel.grpc.internal;

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
 * The one map from Keel endpoints to gRPC subchannels, by instance id, for the per-RPC policy. The
 * picker reads it from any thread (one lock-free lookup, no allocation); the load balancer changes
 * it on the synchronization context. Kept in this one place so that it can become a typed
 * attachment on the {@link Endpoint} once the balancer offers one.
 */
final class Subchannels {
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
    Entry e = byId.get(endpoint.id());
    return e != null && e.state == ConnectivityState.READY ? e.readyPick : null;
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
