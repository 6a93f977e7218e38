package dev.keel.grpc.internal;

import static java.util.Objects.requireNonNull;

import dev.keel.registry.Discovery;
import dev.keel.registry.InstanceSet;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.Subscription;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Consumer;

/**
 * The {@link Discovery} a load balancer feeds its {@code Balancer} with: what the channel decided
 * the balancer should see (for the per-RPC policy, the instances whose subchannel is READY). One
 * service; a balancer being replaced and its successor may watch at once.
 *
 * <p>Not thread-safe: {@link #set} and {@link #watch} run on the channel's synchronization context,
 * which is also the balancer's executor, so the watcher is called there, in order.
 */
final class SettableDiscovery implements Discovery {
  private final String service;
  private InstanceSet current;
  private long revision;
  private final List<Consumer<InstanceSet>> watchers = new ArrayList<>(2);

  SettableDiscovery(String service) {
    this.service = requireNonNull(service, "service");
    this.current = InstanceSet.empty(service);
  }

  /** Publishes {@code instances} as the next snapshot; an equal set is dropped by the balancer. */
  void set(Collection<ServiceInstance> instances) {
    current = InstanceSet.of(service, instances, ++revision);
    for (Consumer<InstanceSet> w : List.copyOf(watchers)) {
      w.accept(current);
    }
  }

  InstanceSet current() {
    return current;
  }

  @Override
  public InstanceSet resolve(String service) {
    check(service);
    return current;
  }

  @Override
  public Subscription watch(String service, Consumer<InstanceSet> listener) {
    check(service);
    requireNonNull(listener, "listener");
    watchers.add(listener);
    listener.accept(current);
    return () -> watchers.remove(listener);
  }

  private void check(String s) {
    if (!service.equals(s)) {
      throw new IllegalArgumentException("service: '" + s + "' (expected: '" + service + "')");
    }
  }
}
