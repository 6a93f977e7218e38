package dev.keel.registry.memory;

import static java.util.Objects.requireNonNull;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.keel.registry.InstanceSet;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.internal.DaemonThreads;
import dev.keel.registry.internal.SerialExecutor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * An in-process registry "server" that {@code memory://name} clients share: clients opened with
 * the same name see each other's registrations.
 *
 * <p>It can also play the faults a real registry has, for tests of code built on Keel:
 * {@link #restart()} loses every registration as a restarted server would (clients restore
 * theirs), and {@link #expireSession(RegistryClient)} drops one client's registrations as a
 * session expiry would (the client restores them). Thread-safe; watchers are told of every change
 * in order on one notification lane.
 */
public final class MemoryRegistry {
  private static final Map<String, MemoryRegistry> NAMED = new ConcurrentHashMap<>();

  private final String name;
  @GuardedBy("this")
  private final Map<String, Map<String, Entry>> services = new HashMap<>();
  @GuardedBy("this")
  private final Map<String, List<Consumer<InstanceSet>>> watchers = new HashMap<>();
  private final List<MemoryRegistryClient> clients = new CopyOnWriteArrayList<>();
  private final SerialExecutor notifications =
      new SerialExecutor(Executors.newCachedThreadPool(new DaemonThreads("keel-memory-registry")));
  @GuardedBy("this")
  private long revision;

  private MemoryRegistry(String name) {
    this.name = name;
  }

  /** The registry of this name, created on first use. */
  public static MemoryRegistry named(String name) {
    requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("memory registry name: '" + name + "' (expected: non-blank, as in memory://name)");
    }
    return NAMED.computeIfAbsent(name, MemoryRegistry::new);
  }

  /** The services that have instances now, sorted. */
  synchronized java.util.List<String> services() {
    java.util.List<String> out = new java.util.ArrayList<>();
    services.forEach((name, entries) -> {
      if (!entries.isEmpty()) {
        out.add(name);
      }
    });
    java.util.Collections.sort(out);
    return out;
  }

  public String name() {
    return name;
  }

  /** The instances registered in {@code service} right now. */
  public synchronized InstanceSet instances(String service) {
    Map<String, Entry> m = services.getOrDefault(service, Map.of());
    List<ServiceInstance> list = new ArrayList<>();
    m.values().forEach(e -> list.add(e.instance));
    return InstanceSet.of(service, list, revision);
  }

  /**
   * Plays a server restart that lost all state: every registration is dropped (watchers see the
   * services empty), then every open client restores its own, as it would on reconnecting.
   */
  public void restart() {
    List<String> emptied;
    synchronized (this) {
      emptied = new ArrayList<>(services.keySet());
      services.clear();
      revision++;
      for (String service : emptied) {
        notifyLocked(service);
      }
    }
    for (MemoryRegistryClient c : clients) {
      c.restoreRegistrations();
    }
  }

  /** Plays the expiry of {@code client}'s session: its registrations vanish, then it restores them. */
  public void expireSession(RegistryClient client) {
    MemoryRegistryClient c = clients.stream().filter(x -> x.isOrWraps(client)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("client: not a client of memory://" + name));
    removeAllOf(c.sessionId());
    c.restoreRegistrations();
  }

  synchronized void put(long session, ServiceInstance instance) {
    services.computeIfAbsent(instance.service(), s -> new HashMap<>()).put(instance.id(), new Entry(session, instance));
    revision++;
    notifyLocked(instance.service());
  }

  synchronized void remove(long session, ServiceInstance instance) {
    Map<String, Entry> m = services.get(instance.service());
    Entry e = m == null ? null : m.get(instance.id());
    if (m != null && e != null && e.session == session) {
      m.remove(instance.id());
      revision++;
      notifyLocked(instance.service());
    }
  }

  synchronized void removeAllOf(long session) {
    for (Map.Entry<String, Map<String, Entry>> s : services.entrySet()) {
      if (s.getValue().values().removeIf(e -> e.session == session)) {
        revision++;
        notifyLocked(s.getKey());
      }
    }
  }

  synchronized Runnable watch(String service, Consumer<InstanceSet> listener) {
    watchers.computeIfAbsent(service, s -> new CopyOnWriteArrayList<>()).add(listener);
    InstanceSet initial = instances(service);
    notifications.execute(() -> listener.accept(initial));
    return () -> {
      synchronized (this) {
        List<Consumer<InstanceSet>> l = watchers.get(service);
        if (l != null) {
          l.remove(listener);
        }
      }
    };
  }

  void attach(MemoryRegistryClient client) {
    clients.add(client);
  }

  void detach(MemoryRegistryClient client) {
    clients.remove(client);
  }

  @GuardedBy("this")
  private void notifyLocked(String service) {
    List<Consumer<InstanceSet>> l = watchers.get(service);
    if (l == null || l.isEmpty()) {
      return;
    }
    InstanceSet set = instances(service);
    List<Consumer<InstanceSet>> targets = List.copyOf(l);
    notifications.execute(() -> targets.forEach(c -> deliver(c, set)));
  }

  private static void deliver(Consumer<InstanceSet> watcher, InstanceSet set) {
    try {
      watcher.accept(set);
    } catch (RuntimeException e) {
      org.slf4j.LoggerFactory.getLogger(MemoryRegistry.class).warn("a watcher of '{}' threw", set.service(), e);
    }
  }

  private static final class Entry {
    final long session;
    final ServiceInstance instance;

    Entry(long session, ServiceInstance instance) {
      this.session = session;
      this.instance = instance;
    }
  }
}
