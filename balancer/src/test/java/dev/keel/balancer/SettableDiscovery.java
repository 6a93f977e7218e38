package dev.keel.balancer;

import dev.keel.registry.Discovery;
import dev.keel.registry.InstanceSet;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.Subscription;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** A discovery whose one service is set by the test; listeners are told synchronously, in order. */
final class SettableDiscovery implements Discovery {
  static final String SERVICE = "orders";

  private final List<Consumer<InstanceSet>> listeners = new CopyOnWriteArrayList<>();
  private volatile InstanceSet current = InstanceSet.empty(SERVICE);
  private long revision;

  static ServiceInstance instance(int i) {
    return instance(i, 100);
  }

  static ServiceInstance instance(int i, int weight) {
    return ServiceInstance.builder().service(SERVICE).id(String.format("e%02d", i))
        .host("10.0.0." + (i + 1)).port(8080).weight(weight).build();
  }

  static List<ServiceInstance> instances(int n) {
    List<ServiceInstance> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(instance(i));
    }
    return out;
  }

  synchronized void set(List<ServiceInstance> instances) {
    current = InstanceSet.of(SERVICE, instances, ++revision);
    listeners.forEach(l -> l.accept(current));
  }

  /** Pushes {@code instances} as served from a snapshot cache (registry unreachable). */
  synchronized void setStale(List<ServiceInstance> instances) {
    current = InstanceSet.of(SERVICE, instances, ++revision).asStale();
    listeners.forEach(l -> l.accept(current));
  }

  void set(ServiceInstance... instances) {
    set(Arrays.asList(instances));
  }

  @Override
  public InstanceSet resolve(String service) {
    return current;
  }

  @Override
  public synchronized Subscription watch(String service, Consumer<InstanceSet> listener) {
    listeners.add(listener);
    listener.accept(current);
    return () -> listeners.remove(listener);
  }

  int watchers() {
    return listeners.size();
  }
}
