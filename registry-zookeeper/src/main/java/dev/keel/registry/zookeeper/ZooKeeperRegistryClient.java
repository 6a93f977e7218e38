package dev.keel.registry.zookeeper;

import static java.util.Objects.requireNonNull;

import dev.keel.registry.Durations;
import dev.keel.registry.InstanceSet;
import dev.keel.registry.Registration;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryException;
import dev.keel.registry.RegistryHealth;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.Subscription;
import dev.keel.registry.internal.DaemonThreads;
import dev.keel.registry.internal.HealthTracker;
import dev.keel.registry.internal.TcpProbe;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
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
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.common.PathUtils;
import org.apache.zookeeper.data.ACL;
import org.jspecify.annotations.Nullable;

/**
 * The raw ZooKeeper client behind {@link ZooKeeperRegistry}: registrations through a
 * {@link Registrar}, one {@link ServiceWatch} per watched service, and {@code resolve} as a direct
 * read (getChildren, then every child's data, pipelined) bounded by the resolve timeout.
 * Reachability is Curator's connection state, and a TCP probe while the first connection is under way.
 */
final class ZooKeeperRegistryClient implements RegistryClient {
  private final CuratorFramework curator;
  private final boolean ownsCurator;
  private final String basePath;
  private final InstanceCodec codec;
  private final Duration timeout;
  private final Registrar registrar;
  private final ExecutorService pool = Executors.newCachedThreadPool(new DaemonThreads("keel-zookeeper-watch"));
  private final Set<ServiceWatch> watches = new HashSet<>(); // guarded by this
  private final String name;
  private final HealthTracker health;
  private final ConnectionStateListener connection;
  private volatile boolean everConnected;
  private boolean closed; // guarded by this

  /**
   * @param connectionTimeout how long the first connection may take before ZooKeeper counts as
   *     unreachable (a refused connection counts at once)
   */
  ZooKeeperRegistryClient(CuratorFramework curator, boolean ownsCurator, String basePath, String payloadClass,
      Duration timeout, Duration connectionTimeout, @Nullable List<ACL> acl) {
    this.curator = requireNonNull(curator, "curator");
    this.ownsCurator = ownsCurator;
    this.basePath = basePath;
    this.codec = new InstanceCodec(payloadClass);
    this.timeout = timeout;
    String hosts = curator.getZookeeperClient().getCurrentConnectionString();
    this.name = "zookeeper://" + hosts + basePath;
    this.health = new HealthTracker(name);
    this.connection = (client, state) -> onConnectionState(state);
    curator.getConnectionStateListenable().addListener(connection);
    this.registrar = new Registrar(curator, timeout, acl);
    if (curator.getZookeeperClient().isConnected()) {
      everConnected = true;
      health.reachable();
    } else {
      pool.execute(() -> probe(hosts, connectionTimeout));
    }
  }

  /**
   * Curator's view of the connection is ZooKeeper's reachability. Before the first connection
   * Curator also reports SUSPENDED and LOST; the probe's cause (refused, no session in time) says
   * more then, so those only count once connected.
   */
  private void onConnectionState(ConnectionState state) {
    switch (state) {
      case CONNECTED, RECONNECTED, READ_ONLY -> {
        everConnected = true;
        health.reachable();
      }
      case SUSPENDED -> {
        if (everConnected) {
          health.unreachable("connection to ZooKeeper lost; Curator is reconnecting");
        }
      }
      case LOST -> {
        if (everConnected) {
          health.unreachable("ZooKeeper session lost: no connection for the session timeout");
        }
      }
      default -> { }
    }
  }

  /**
   * While the first connection is under way: nothing listening is unreachable at once; no
   * connection within {@code connectionTimeout} is unreachable then. Curator's CONNECTED, whenever
   * it comes, makes it reachable.
   */
  private void probe(String hosts, Duration connectionTimeout) {
    List<InetSocketAddress> addresses = new ArrayList<>();
    for (String hostPort : hosts.split(",")) {
      int colon = hostPort.lastIndexOf(':');
      if (colon > 0) {
        try {
          addresses.add(InetSocketAddress.createUnresolved(hostPort.substring(0, colon).replace("[", "").replace("]", ""),
              Integer.parseInt(hostPort.substring(colon + 1).replaceAll("/.*", ""))));
        } catch (NumberFormatException e) {
          // Curator's connect string is checked by the builder; nothing to probe here
        }
      }
    }
    String refused = TcpProbe.unreachable(addresses, connectionTimeout);
    if (refused != null) {
      markUnreachableWhileNotConnected("cannot connect to ZooKeeper: " + refused);
      return;
    }
    try {
      if (!curator.getZookeeperClient().blockUntilConnectedOrTimedOut()) {
        markUnreachableWhileNotConnected("no ZooKeeper session within " + Durations.format(connectionTimeout));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IllegalStateException closed) {
      // Curator refuses once closed: the client was closed while its first connection was under way
    }
  }

  private void markUnreachableWhileNotConnected(String cause) {
    if (!curator.getZookeeperClient().isConnected()) {
      health.unreachable(cause);
      if (curator.getZookeeperClient().isConnected()) {
        health.reachable(); // connected meanwhile: its event may have come before ours
      }
    }
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
      throw new RegistryException("zookeeper: no answer for " + path + " within " + dev.keel.registry.Durations.format(timeout)
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
        ServiceInstance i = child == null ? null : InstanceCodec.decodeOrSkip(service, child, health);
        if (i != null) {
          instances.add(i);
        }
      }
      return InstanceSet.of(service, instances, listing.pzxid());
    });
  }

  /**
   * A watch of its own per call: the guards of {@code Registries} already share one upstream watch
   * per service among all its listeners, so sharing again here would only duplicate that.
   */
  @Override
  public Subscription watch(String service, Consumer<InstanceSet> listener) {
    String path = servicePath(service);
    requireNonNull(listener, "listener");
    ServiceWatch w = new ServiceWatch(curator, service, path, pool, timeout, health, listener);
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("registry client is closed");
      }
      watches.add(w);
    }
    w.start(); // never throws for an unreachable ZooKeeper: the cache fills when it can
    AtomicBoolean once = new AtomicBoolean();
    return () -> {
      if (once.compareAndSet(false, true)) {
        synchronized (this) {
          watches.remove(w);
        }
        w.close();
      }
    };
  }

  /** The children of the base path: x-discovery keeps one node per service there. */
  @Override
  public List<String> services() {
    checkOpen();
    try {
      List<String> names = new ArrayList<>(ChildReads.list(curator, basePath).get(timeout.toMillis(), TimeUnit.MILLISECONDS).names());
      names.sort(null);
      return names;
    } catch (TimeoutException e) {
      throw new RegistryException("zookeeper: no answer listing " + basePath + " within " + timeout, e);
    } catch (ExecutionException e) {
      throw new RegistryException("zookeeper: could not list " + basePath + ": " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryException("zookeeper: interrupted listing " + basePath, e);
    }
  }

  @Override
  public RegistryHealth health() {
    return health.health();
  }

  @Override
  public Subscription onHealthChange(Consumer<RegistryHealth> listener) {
    return health.onChange(listener);
  }

  @Override
  public void close() {
    List<ServiceWatch> all;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      all = new ArrayList<>(watches);
      watches.clear();
    }
    curator.getConnectionStateListenable().removeListener(connection);
    all.forEach(ServiceWatch::close);
    registrar.close(ownsCurator);
    pool.shutdown();
    if (ownsCurator) {
      curator.close();
    }
    health.closed();
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

  @Override
  public String toString() {
    return name;
  }
}
