package dev.keel.registry.zookeeper;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.internal.HealthTracker;
import dev.keel.registry.internal.SerialExecutor;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watch of one service: one {@link CuratorCache} on {@code basePath/service}.
 *
 * <p>Why CuratorCache: it rests on one persistent recursive watch (ZooKeeper 3.6+), so there is no
 * gap between a watch firing and being set again in which a change could be missed, as there is
 * with PathChildrenCache's one-shot watches (deprecated since Curator 5); it re-reads the tree
 * after every reconnection, new sessions included (but see below); and it watches a service node
 * that does not exist yet, which is where every watch of a new service starts.
 *
 * <p>The cache's events only mark the snapshot stale; a snapshot is built (as below) on this
 * watch's own serial lane, so bursts (a thousand nodes at start-up, a delete and
 * re-create) cost one snapshot, snapshots go out in order, and Curator's event thread never waits
 * on the listener. The one listener is called on that lane too, so it sees every snapshot in order
 * and never concurrently with itself; sharing a watch among listeners, each on a lane of its own, is
 * the business of the guards of {@code Registries}. Nodes are parsed once per version; one that does
 * not parse is left out and reported once to the health tracker.
 *
 * <p>Which nodes make up a snapshot is not taken from the cache: each rebuild lists the service's
 * children in ZooKeeper (one getChildren) and takes their data from the cache, reading directly the
 * few the cache lacks. The cache cannot be trusted for membership: its {@code initialized} comes
 * once its first reads are over, failed ones included (a connection lost meanwhile leaves it empty
 * or partial), and after a reconnection it lists a node's children again only when that node's
 * cversion changed, so children whose listing failed stay missing until the next membership change.
 * A rebuild whose reads fail publishes nothing, so the last snapshot stands; it is tried again after
 * a reconnection, and after a short delay while connected.
 */
final class ServiceWatch {
  private static final Logger log = LoggerFactory.getLogger(ServiceWatch.class);
  private static final long RETRY_MILLIS = 1_000;

  private final String service;
  private final String path;
  private final CuratorFramework curator;
  private final Duration timeout;
  private final HealthTracker health;
  private final SerialExecutor serial;
  private final CuratorCache cache;
  private final ConnectionStateListener reconnected;
  private final Consumer<InstanceSet> listener;
  private final AtomicBoolean refreshQueued = new AtomicBoolean();
  private final Map<String, Parsed> parsed = new HashMap<>(); // on serial only
  private volatile boolean initialized;
  private volatile boolean closed;
  private @Nullable InstanceSet last; // on serial only
  private long revision; // on serial only

  /** {@code timeout} bounds the reads of one rebuild. */
  ServiceWatch(CuratorFramework curator, String service, String path, Executor pool, Duration timeout,
      HealthTracker health, Consumer<InstanceSet> listener) {
    this.service = service;
    this.listener = listener;
    this.path = path;
    this.curator = curator;
    this.timeout = timeout;
    this.health = health;
    this.serial = new SerialExecutor(pool);
    this.cache = CuratorCache.builder(curator, path)
        .withExceptionHandler(e -> readFailed("reading " + path + " from ZooKeeper failed: " + e + "; retried on reconnection"))
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
    // Whatever failed while the connection was down is read again now, whether or not the cache
    // sees a change (it does not see children it failed to list).
    this.reconnected = (client, state) -> {
      if (state.isConnected() && initialized) {
        refresh();
      }
    };
  }

  void start() {
    curator.getConnectionStateListenable().addListener(reconnected);
    cache.start();
  }

  void close() {
    closed = true;
    curator.getConnectionStateListenable().removeListener(reconnected);
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
    Map<String, ChildData> children;
    try {
      children = readChildren();
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      boolean connected = curator.getZookeeperClient().isConnected();
      readFailed("reading " + path + " from ZooKeeper failed: " + e + "; keeping the last snapshot ("
          + (last == null ? "none" : last.size() + " instances") + "), retried " + (connected ? "shortly" : "on reconnection"));
      if (connected && !closed) {
        CompletableFuture.delayedExecutor(RETRY_MILLIS, TimeUnit.MILLISECONDS).execute(this::refresh);
      }
      return;
    }
    List<ServiceInstance> instances = new ArrayList<>();
    Map<String, Parsed> seen = new HashMap<>();
    children.forEach((childPath, child) -> {
      Parsed p = parsed.get(childPath);
      if (p == null || !p.sameVersion(child.getStat())) {
        p = parse(child);
      }
      seen.put(childPath, p);
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
    deliver(set);
  }

  /**
   * The service's instance nodes as ZooKeeper lists them now, by path, in listing order: the data
   * from the cache, or read directly for a node the cache lacks. A node deleted between the listing
   * and its read is left out; a missing service node is no instances.
   *
   * @throws Exception when ZooKeeper could not be read in full within the timeout
   */
  private Map<String, ChildData> readChildren() throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> names = ChildReads.list(curator, path).get(remaining(deadline), TimeUnit.NANOSECONDS).names();
    Map<String, CompletableFuture<@Nullable ChildData>> reads = new LinkedHashMap<>();
    for (String name : names) {
      String childPath = ZKPaths.makePath(path, name);
      ChildData cached = cache.get(childPath).orElse(null);
      reads.put(childPath, cached != null ? CompletableFuture.completedFuture(cached) : ChildReads.read(curator, childPath));
    }
    Map<String, ChildData> children = new LinkedHashMap<>();
    for (Map.Entry<String, CompletableFuture<@Nullable ChildData>> r : reads.entrySet()) {
      ChildData child = r.getValue().get(remaining(deadline), TimeUnit.NANOSECONDS);
      if (child != null) { // null: deleted since the listing
        children.put(r.getKey(), child);
      }
    }
    return children;
  }

  /**
   * A failed read is worth a warning while connected (permissions, a server in trouble); while
   * disconnected it is what the connection state says already, once, through the health tracker.
   */
  private void readFailed(String message) {
    if (curator.getZookeeperClient().isConnected()) {
      log.warn(message);
    } else {
      log.debug(message);
    }
  }

  private static long remaining(long deadline) {
    return Math.max(0, deadline - System.nanoTime());
  }

  private Parsed parse(ChildData child) {
    return new Parsed(child.getStat(), InstanceCodec.decodeOrSkip(service, child, health));
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

  /** Calls the listener; on {@link #serial} only. */
  private void deliver(InstanceSet set) {
    if (closed) {
      return;
    }
    try {
      listener.accept(set);
    } catch (RuntimeException e) {
      log.warn("a listener of service '{}' threw; it stays subscribed", service, e);
    }
  }
}
