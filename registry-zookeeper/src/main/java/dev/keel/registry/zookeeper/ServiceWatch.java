package dev.keel.registry.zookeeper;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.internal.SerialExecutor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watch of one service: one {@link CuratorCache} on {@code basePath/service}, shared by all
 * its listeners.
 *
 * <p>Why CuratorCache: it rests on one persistent recursive watch (ZooKeeper 3.6+), so there is no
 * gap between a watch firing and being set again in which a change could be missed, as there is
 * with PathChildrenCache's one-shot watches (deprecated since Curator 5); it re-reads the tree
 * after every reconnection, new sessions included; and it watches a service node that does not
 * exist yet, which is where every watch of a new service starts.
 *
 * <p>The cache's events only mark the snapshot stale; a snapshot is built from the cache's whole
 * content on this watch's own serial lane, so bursts (a thousand nodes at start-up, a delete and
 * re-create) cost one snapshot, snapshots go out in order, and Curator's event thread never waits
 * on a listener. Listeners are called on that lane too, so each sees every snapshot in order and
 * never concurrently with itself; the guards of {@code Registries} give each user listener a lane
 * of its own on top. Nodes are parsed once per version; one that does not parse is left out with a
 * warning naming its path.
 */
final class ServiceWatch {
  private static final Logger log = LoggerFactory.getLogger(ServiceWatch.class);

  private final String service;
  private final String path;
  private final SerialExecutor serial;
  private final CuratorCache cache;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean refreshQueued = new AtomicBoolean();
  private final Map<String, Parsed> parsed = new HashMap<>(); // on serial only
  private volatile boolean initialized;
  private volatile boolean closed;
  private @Nullable InstanceSet last; // on serial only
  private long revision; // on serial only

  ServiceWatch(CuratorFramework curator, String service, String path, Executor pool) {
    this.service = service;
    this.path = path;
    this.serial = new SerialExecutor(pool);
    this.cache = CuratorCache.builder(curator, path)
        .withExceptionHandler(e -> log.warn("reading {} from ZooKeeper failed: {}; retried on reconnection", path, e.toString()))
        .build();
    cache.listenable().addListener(new CuratorCacheListener() {
      @Override
      public void event(Type type, @Nullable ChildData oldData, @Nullable ChildData data) {
        if (initialized) {
          refresh();
        }
      }

      @Override
      public void initialized() {
        ServiceWatch.this.initialized = true;
        refresh();
      }
    });
  }

  void start() {
    cache.start();
  }

  /** Adds a listener; it gets the current snapshot first, when there is one. */
  Runnable add(Consumer<InstanceSet> consumer) {
    Listener listener = new Listener(consumer);
    serial.execute(() -> {
      listeners.add(listener);
      if (last != null) {
        listener.deliver(last);
      }
    });
    return () -> {
      listener.closed = true;
      serial.execute(() -> listeners.remove(listener));
    };
  }

  void close() {
    closed = true;
    listeners.forEach(l -> l.closed = true);
    listeners.clear();
    cache.close();
  }

  /** Queues one rebuild of the snapshot, unless one is queued and has not started yet. */
  private void refresh() {
    if (!closed && refreshQueued.compareAndSet(false, true)) {
      serial.execute(this::rebuild);
    }
  }

  private void rebuild() {
    refreshQueued.set(false); // before reading, so that a later event queues another rebuild
    if (closed) {
      return;
    }
    List<ServiceInstance> instances = new ArrayList<>();
    Map<String, Parsed> seen = new HashMap<>();
    cache.stream().forEach(child -> {
      if (!ZKPaths.getPathAndNode(child.getPath()).getPath().equals(path)) {
        return; // the service node itself, or something deeper than an instance
      }
      Parsed p = parsed.get(child.getPath());
      if (p == null || !p.sameVersion(child.getStat())) {
        p = parse(child);
      }
      seen.put(child.getPath(), p);
      if (p.instance != null) {
        instances.add(p.instance);
      }
    });
    parsed.clear();
    parsed.putAll(seen);
    InstanceSet set = InstanceSet.of(service, instances, revision + 1);
    if (set.equals(last)) {
      return;
    }
    revision++;
    last = set;
    listeners.forEach(l -> l.deliver(set));
  }

  private Parsed parse(ChildData child) {
    String node = ZKPaths.getNodeFromPath(child.getPath());
    try {
      return new Parsed(child.getStat(), InstanceCodec.decode(service, node, child.getData()));
    } catch (IllegalArgumentException e) {
      log.warn("skipping ZooKeeper node {}: {}", child.getPath(), e.getMessage());
      return new Parsed(child.getStat(), null);
    }
  }

  /** A node parsed at one version; {@code instance} is null for a disabled or unreadable node. */
  private static final class Parsed {
    final long czxid;
    final long mzxid;
    final @Nullable ServiceInstance instance;

    Parsed(Stat stat, @Nullable ServiceInstance instance) {
      this.czxid = stat.getCzxid();
      this.mzxid = stat.getMzxid();
      this.instance = instance;
    }

    boolean sameVersion(Stat stat) {
      return stat.getCzxid() == czxid && stat.getMzxid() == mzxid;
    }
  }

  /** A listener; called on {@link #serial} only. */
  private final class Listener {
    final Consumer<InstanceSet> consumer;
    volatile boolean closed;

    Listener(Consumer<InstanceSet> consumer) {
      this.consumer = consumer;
    }

    void deliver(InstanceSet set) {
      if (closed) {
        return;
      }
      try {
        consumer.accept(set);
      } catch (RuntimeException e) {
        log.warn("a listener of service '{}' threw; it stays subscribed", service, e);
      }
    }
  }
}
