package dev.keel.grpc.internal;

import static java.util.Objects.requireNonNull;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.keel.registry.Discovery;
import dev.keel.registry.InstanceSet;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.Subscription;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The process's {@link ConnectionGroup}s, by registry client (identity), service and config,
 * reference-counted: the first channel starts a group, the last one to leave shuts it down.
 * Thread-safe.
 */
final class ConnectionGroups {
  static final ConnectionGroups INSTANCE = new ConnectionGroups();

  private record Key(RegistryClient registry, String service, KeelLbConfig config) {}

  private static final class Shared {
    final ConnectionGroup group;
    int references;

    Shared(ConnectionGroup group) {
      this.group = group;
    }
  }

  @GuardedBy("this")

  private final Map<Key, Shared> groups = new HashMap<>();

  /**
   * The group of {@code resolved}'s service with {@code config}, started on first use with what the
   * resolver saw as its first snapshot (so starting does not block) and then the registry's watch.
   */
  synchronized ConnectionGroup acquire(ResolvedService resolved, KeelLbConfig config) {
    Key key = new Key(resolved.registry(), resolved.service(), config);
    Shared shared = groups.get(key);
    if (shared == null) {
      Discovery discovery = new FilteredDiscovery(resolved.registry(), resolved.instances(), config);
      shared = new Shared(new ConnectionGroup(discovery, resolved.service(), config));
      groups.put(key, shared);
    }
    shared.references++;
    return shared.group;
  }

  synchronized void release(ConnectionGroup group) {
    for (Iterator<Shared> it = groups.values().iterator(); it.hasNext(); ) {
      Shared shared = it.next();
      if (shared.group == group) {
        if (--shared.references == 0) {
          it.remove();
          group.shutdown();
        }
        return;
      }
    }
  }

  /** Groups running now (for tests and diagnostics). */
  synchronized int size() {
    return groups.size();
  }

  /**
   * A registry's view of one service narrowed by a config's metadata rules: {@code metadata} always,
   * {@code preferMetadata} while any instance has it. {@link #resolve} answers with the snapshot
   * given (the resolver's, already in hand), so that starting a group never blocks.
   */
  static final class FilteredDiscovery implements Discovery {
    private final Discovery registry;
    private final InstanceSet initial;
    private final KeelLbConfig config;

    FilteredDiscovery(Discovery registry, InstanceSet initial, KeelLbConfig config) {
      this.registry = requireNonNull(registry, "registry");
      this.initial = requireNonNull(initial, "initial");
      this.config = requireNonNull(config, "config");
    }

    @Override
    public InstanceSet resolve(String service) {
      return filter(initial);
    }

    @Override
    public Subscription watch(String service, Consumer<InstanceSet> listener) {
      requireNonNull(listener, "listener");
      return registry.watch(service, set -> listener.accept(filter(set)));
    }

    InstanceSet filter(InstanceSet set) {
      List<ServiceInstance> admitted = new ArrayList<>();
      List<ServiceInstance> preferred = new ArrayList<>();
      for (ServiceInstance i : set.instances()) {
        if (config.admits(i)) {
          admitted.add(i);
          if (config.preferred(i)) {
            preferred.add(i);
          }
        }
      }
      InstanceSet out = InstanceSet.of(set.service(), preferred.isEmpty() ? admitted : preferred, set.revision());
      return set.stale() ? out.asStale() : out;
    }
  }
}
