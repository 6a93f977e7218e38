package dev.keel.registry.zookeeper;

import static java.util.Objects.requireNonNull;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.Registration;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryException;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.Subscription;
import dev.keel.registry.internal.DaemonThreads;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.common.PathUtils;
import org.apache.zookeeper.data.ACL;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The raw ZooKeeper client behind {@link ZooKeeperRegistry}: registrations through a
 * {@link Registrar}, one {@link ServiceWatch} per watched service, and {@code resolve} as a direct
 * read (getChildren, then every child's data, pipelined) bounded by the resolve timeout.
 */
final class ZooKeeperRegistryClient implements RegistryClient {
  private static final Logger log = LoggerFactory.getLogger(ZooKeeperRegistryClient.class);

  private final CuratorFramework curator;
  private final boolean ownsCurator;
  private final String basePath;
  private final InstanceCodec codec;
  private final Duration timeout;
  private final Registrar registrar;
  private final ExecutorService pool = Executors.newCachedThreadPool(new DaemonThreads("keel-zookeeper-watch"));
  private final Map<String, SharedWatch> watches = new HashMap<>(); // guarded by this
  private boolean closed; // guarded by this

  ZooKeeperRegistryClient(CuratorFramework curator, boolean ownsCurator, String basePath, String payloadClass,
      Duration timeout, @Nullable List<ACL> acl) {
    this.curator = requireNonNull(curator, "curator");
    this.ownsCurator = ownsCurator;
    this.basePath = basePath;
    this.codec = new InstanceCodec(payloadClass);
    this.timeout = timeout;
    this.registrar = new Registrar(curator, timeout, acl);
  }

  /** The Curator client in use, for tests and adapter-specific calls. */
  CuratorFramework curator() {
    return curator;
  }

  String basePath() {
    return basePath;
  }

  @Override
  public Registration register(ServiceInstance instance) {
    requireNonNull(instance, "instance");
    checkOpen();
    String path = ZKPaths.makePath(servicePath(instance.service()), nodeName("id", instance.id()));
    // Updates keep the registration time: it says which registration this is, an update is not a new one.
    long registeredAt = System.currentTimeMillis();
    return registrar.register(instance, path, i -> codec.encode(i, registeredAt));
  }

  @Override
  public InstanceSet resolve(String service) {
    String path = servicePath(service);
    checkOpen();
    try {
      return ChildReads.list(curator, path).thenCompose(listing -> readAll(service, path, listing))
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new RegistryException("zookeeper: no answer for " + path + " within " + timeout
          + " (connected: " + curator.getZookeeperClient().isConnected() + ")", e);
    } catch (ExecutionException e) {
      throw new RegistryException("zookeeper: could not read " + path + ": " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryException("zookeeper: interrupted reading " + path, e);
    }
  }

  /** Reads every listed child's data at once; the set once all have answered. */
  private CompletableFuture<InstanceSet> readAll(String service, String path, ChildReads.Listing listing) {
    List<CompletableFuture<@Nullable ChildData>> reads = new ArrayList<>(listing.names().size());
    for (String name : listing.names()) {
      reads.add(ChildReads.read(curator, ZKPaths.makePath(path, name)));
    }
    return CompletableFuture.allOf(reads.toArray(new CompletableFuture<?>[0])).thenApply(done -> {
      List<ServiceInstance> instances = new ArrayList<>(reads.size());
      for (CompletableFuture<@Nullable ChildData> read : reads) {
        ChildData child = read.join();
        ServiceInstance i = child == null ? null : InstanceCodec.decodeOrSkip(service, child.getPath(), child.getData());
        if (i != null) {
          instances.add(i);
        }
      }
      return InstanceSet.of(service, instances, listing.pzxid());
    });
  }

  @Override
  public Subscription watch(String service, Consumer<InstanceSet> listener) {
    String path = servicePath(service);
    requireNonNull(listener, "listener");
    SharedWatch shared;
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("registry client is closed");
      }
      shared = watches.get(service);
      if (shared == null) {
        shared = new SharedWatch(new ServiceWatch(curator, service, path, pool, timeout));
        watches.put(service, shared);
        shared.watch.start(); // never throws for an unreachable ZooKeeper: the cache fills when it can
      }
      shared.users++;
    }
    SharedWatch w = shared;
    Runnable remove = w.watch.add(listener);
    AtomicBoolean once = new AtomicBoolean();
    return () -> {
      if (!once.compareAndSet(false, true)) {
        return;
      }
      remove.run();
      synchronized (this) {
        if (--w.users == 0 && watches.get(service) == w) {
          watches.remove(service);
          w.watch.close();
        }
      }
    };
  }

  @Override
  public void close() {
    List<SharedWatch> all;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      all = new ArrayList<>(watches.values());
      watches.clear();
    }
    all.forEach(w -> w.watch.close());
    registrar.close(ownsCurator);
    pool.shutdown();
    if (ownsCurator) {
      curator.close();
    }
  }

  private synchronized void checkOpen() {
    if (closed) {
      throw new IllegalStateException("registry client is closed");
    }
  }

  private String servicePath(String service) {
    requireNonNull(service, "service");
    if (service.isBlank()) {
      throw new IllegalArgumentException("service: '" + service + "' (expected: a non-blank string)");
    }
    return ZKPaths.makePath(basePath, nodeName("service", service));
  }

  /** Checks that {@code value} can be one ZooKeeper node name. */
  static String nodeName(String field, String value) {
    if (value.indexOf('/') >= 0 || value.equals(".") || value.equals("..")) {
      throw new IllegalArgumentException(field + ": '" + value + "' (expected: a ZooKeeper node name: no '/', not '.' or '..')");
    }
    try {
      PathUtils.validatePath("/" + value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(field + ": '" + value + "' (expected: a ZooKeeper node name; " + e.getMessage() + ")", e);
    }
    return value;
  }

  /** A service watch and how many subscriptions use it. */
  private static final class SharedWatch {
    final ServiceWatch watch;
    int users; // guarded by the client

    SharedWatch(ServiceWatch watch) {
      this.watch = watch;
    }
  }
}
