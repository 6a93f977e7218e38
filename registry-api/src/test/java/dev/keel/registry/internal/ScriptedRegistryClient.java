package dev.keel.registry.internal;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.Registration;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryException;
import dev.keel.registry.RegistryHealth;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.Subscription;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/** A raw adapter client whose pushes and fresh reads the test decides: a fake registry server. */
final class ScriptedRegistryClient implements RegistryClient {
  final List<Consumer<InstanceSet>> watchers = new CopyOnWriteArrayList<>();
  final AtomicInteger resolves = new AtomicInteger();
  volatile InstanceSet freshRead;
  volatile boolean unreachable;
  /** What the fake server's connection reports; starts reachable, as most tests want. */
  final HealthTracker health = new HealthTracker("scripted://test");

  ScriptedRegistryClient(String service) {
    this.freshRead = InstanceSet.empty(service);
    health.reachable();
  }

  @Override
  public RegistryHealth health() {
    return health.health();
  }

  @Override
  public Subscription onHealthChange(Consumer<RegistryHealth> listener) {
    return health.onChange(listener);
  }

  void push(InstanceSet set) {
    watchers.forEach(w -> w.accept(set));
  }

  @Override
  public Registration register(ServiceInstance instance) {
    throw new UnsupportedOperationException("scripted");
  }

  @Override
  public InstanceSet resolve(String service) {
    resolves.incrementAndGet();
    if (unreachable) {
      throw new RegistryException("scripted registry unreachable");
    }
    return freshRead;
  }

  @Override
  public Subscription watch(String service, Consumer<InstanceSet> listener) {
    watchers.add(listener);
    return () -> watchers.remove(listener);
  }

  @Override
  public void close() {}
}
