package dev.keel.registry.nacos;

import static java.util.Objects.requireNonNull;

import com.alibaba.nacos.api.exception.NacosException;
import com.alibaba.nacos.api.naming.NamingFactory;
import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.api.naming.pojo.Instance;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.keel.registry.InstanceSet;
import dev.keel.registry.Registration;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryException;
import dev.keel.registry.RegistryHealth;
import dev.keel.registry.RegistryLimits;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.Subscription;
import dev.keel.registry.internal.HealthTracker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The raw Nacos client: one {@link NamingService} (one gRPC connection). {@link NacosRegistry} and
 * {@link NacosRegistryProvider} wrap it with the shared guards.
 *
 * <p>Names and instances Nacos would refuse are refused at once ({@link NacosRules}), with
 * {@link IllegalArgumentException}; {@link #limits()} declares the metadata limit.
 *
 * <p>{@code resolve} reads from the server ({@code getAllInstances(..., subscribe=false)}) and throws
 * {@link RegistryException} when it cannot; {@code watch} never throws for an unreachable server.
 */
final class NacosRegistryClient implements RegistryClient {
  private static final Logger log = LoggerFactory.getLogger(NacosRegistryClient.class);
  /** nacos-client's naming logger; at DEBUG it logs the login request body, password included. */
  static final String NACOS_NAMING_LOGGER = "com.alibaba.nacos.client.naming";
  private static final AtomicInteger CLIENTS = new AtomicInteger();

  private final NacosSettings settings;
  private final RegistryLimits limits;
  private final NamingService naming;
  private final boolean ownsNaming;
  private final @Nullable Path ownedDir;
  private final ExecutorService deliveryPool;
  /** Delivers watch snapshots one at a time, in order; drops what comes after close. */
  private final Executor delivery;
  private final ScheduledExecutorService control;
  private final AtomicLong revisions = new AtomicLong();
  @GuardedBy("this")
  private final Map<String, ServiceRegistrations> registrations = new HashMap<>();
  @GuardedBy("this")
  private final List<NacosWatch> watches = new ArrayList<>();
  private final HealthTracker health;
  /** Follows nacos-client's connection into {@link #health}; null when not found, and Keel's own reads do. */
  private final @Nullable AutoCloseable connectionEvents;
  /** Written with every instance this client registers: a restarted process is a new incarnation. */
  private final String incarnation = Long.toHexString(System.currentTimeMillis()) + "-"
      + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 16);
  @GuardedBy("this")
  private boolean closed;

  private NacosRegistryClient(NacosSettings settings, NamingService naming, boolean ownsNaming, @Nullable Path ownedDir) {
    this.settings = settings;
    this.limits = NacosRules.limits(settings.metadataLimit, incarnation);
    this.naming = naming;
    this.ownsNaming = ownsNaming;
    this.ownedDir = ownedDir;
    int n = CLIENTS.incrementAndGet();
    this.deliveryPool = Executors.newSingleThreadExecutor(daemon("keel-nacos-" + n + "-delivery"));
    this.delivery = task -> {
      try {
        deliveryPool.execute(task);
      } catch (RejectedExecutionException closed) {
        // closed: nacos-client may still hand over an event; nobody listens any more
      }
    };
    this.control = Executors.newSingleThreadScheduledExecutor(daemon("keel-nacos-" + n + "-control"));
    this.health = new HealthTracker("nacos://" + settings.serverAddr);
    this.connectionEvents = NacosConnectionHealth.attach(naming, health, settings.serverAddr);
  }

  /** A client on a NamingService that Keel creates (and shuts down on close). */
  static NacosRegistryClient create(NacosSettings settings) {
    Path dir = settings.cacheDir();
    Path owned = null;
    try {
      if (dir == null) {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        Files.createDirectories(tmp);
        dir = owned = Files.createTempDirectory(tmp, "keel-nacos-");
        defaultLogPath(tmp.resolve("keel-nacos-logs"));
      } else {
        Files.createDirectories(dir);
        defaultLogPath(dir.resolve("logs"));
      }
    } catch (IOException e) {
      throw new RegistryException("nacos: cannot create the cache directory " + (dir == null ? "" : dir) + ": " + e, e);
    }
    if (settings.password != null && LoggerFactory.getLogger(NACOS_NAMING_LOGGER).isDebugEnabled()) {
      log.warn("nacos: logger {} is at DEBUG, where nacos-client logs its login request with the password"
          + " in clear; set it to INFO or above", NACOS_NAMING_LOGGER);
    }
    try {
      NamingService naming = NamingFactory.createNamingService(settings.toProperties(dir));
      return new NacosRegistryClient(settings, naming, true, owned);
    } catch (NacosException | RuntimeException e) {
      deleteTree(owned);
      throw new RegistryException("nacos: cannot create a client for " + settings + ": " + NacosWatch.message(e), e);
    }
  }

  /** A client on the caller's NamingService, which it leaves running on close. */
  static NacosRegistryClient wrap(NacosSettings settings, NamingService naming) {
    return new NacosRegistryClient(settings, requireNonNull(naming, "namingService"), false, null);
  }

  /**
   * nacos-client's log files (written only when it drives Logback or Log4j2 itself) go under the
   * JVM-wide {@code JM.LOG.PATH}, default {@code ~/logs}. Unless someone chose a place, choose one.
   */
  private static synchronized void defaultLogPath(Path path) {
    if (System.getProperty(NacosSettings.LOG_PATH) == null) {
      System.setProperty(NacosSettings.LOG_PATH, path.toString());
    }
  }

  /** The stamp this client writes with every instance ({@link InstanceMapping#INCARNATION_KEY}); for tests. */
  String incarnation() {
    return incarnation;
  }

  /** The NamingService in use; for tests and adapter-specific calls. */
  NamingService namingService() {
    return naming;
  }

  /** Nacos's metadata limit less Keel's own entries: see {@link NacosRules#limits(int, String)}. */
  @Override
  public RegistryLimits limits() {
    return limits;
  }

  /** Refuses at once, sending nothing, an instance Nacos would refuse ({@link NacosRules}). */
  @Override
  public Registration register(ServiceInstance instance) {
    requireNonNull(instance, "instance");
    NacosRules.check(instance, limits);
    ServiceRegistrations slot;
    synchronized (this) {
      checkOpen();
      slot = registrations.computeIfAbsent(instance.service(),
          s -> new ServiceRegistrations(naming, s, settings.group, settings.registrationCluster(), incarnation, limits));
    }
    return slot.register(instance);
  }

  @Override
  public InstanceSet resolve(String service) {
    NacosRules.service(requireNonNull(service, "service"));
    checkOpen();
    List<Instance> list;
    try {
      list = naming.getAllInstances(service, settings.group, settings.discoveryClusters(), false);
    } catch (NacosException | RuntimeException e) {
      if (connectionEvents == null) {
        health.unreachable("read service '" + service + "'", e);
      }
      throw new RegistryException("nacos: cannot read service '" + service + "' from " + settings.serverAddr
          + " (" + NacosWatch.message(e) + ")", e);
    }
    if (connectionEvents == null) {
      health.reachable();
    }
    return InstanceMapping.toSet(service, list, settings.discoveryClusters(), revisions.incrementAndGet(), health);
  }

  @Override
  public Subscription watch(String service, Consumer<InstanceSet> listener) {
    NacosRules.service(requireNonNull(service, "service"));
    requireNonNull(listener, "listener");
    NacosWatch[] self = new NacosWatch[1];
    NacosWatch w = new NacosWatch(naming, service, settings.group, settings.discoveryClusters(), listener,
        delivery, control, revisions, health, () -> {
          synchronized (this) {
            watches.remove(self[0]);
          }
        });
    self[0] = w;
    synchronized (this) {
      checkOpen();
      watches.add(w);
    }
    w.start();
    return w;
  }

  @Override
  public void close() {
    List<NacosWatch> open;
    List<ServiceRegistrations> regs;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      open = new ArrayList<>(watches);
      regs = new ArrayList<>(registrations.values());
    }
    // A NamingService we own is shut down below, and the server drops its instances and
    // subscriptions with the connection; one we were given stays, so we undo what we did on it.
    open.forEach(w -> w.close(!ownsNaming));
    regs.forEach(r -> r.closeAll(!ownsNaming));
    control.shutdown();
    try {
      control.awaitTermination(settings.options.resolveTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    deliveryPool.shutdown();
    if (ownsNaming) {
      try {
        naming.shutDown();
      } catch (NacosException | RuntimeException e) {
        log.warn("nacos: shutting nacos-client down failed: {}", NacosWatch.message(e));
      }
    }
    deleteTree(ownedDir);
    if (connectionEvents != null) {
      try {
        connectionEvents.close();
      } catch (Exception e) {
        log.debug("nacos: stopping the connection poll failed", e);
      }
    }
    health.closed();
  }

  /** The services of the client's group, as the server pages them. */
  @Override
  public List<String> services() {
    checkOpen();
    List<String> names = new ArrayList<>();
    try {
      for (int page = 1; ; page++) {
        com.alibaba.nacos.api.naming.pojo.ListView<String> view = naming.getServicesOfServer(page, 500, settings.group);
        names.addAll(view.getData());
        if (view.getData().size() < 500 || names.size() >= view.getCount()) {
          break;
        }
      }
    } catch (NacosException | RuntimeException e) {
      throw new RegistryException("nacos: cannot list the services of " + settings.serverAddr + " ("
          + NacosWatch.message(e) + ")", e);
    }
    names.sort(null);
    return names;
  }

  @Override
  public RegistryHealth health() {
    return health.health();
  }

  @Override
  public Subscription onHealthChange(Consumer<RegistryHealth> listener) {
    return health.onChange(listener);
  }

  private synchronized void checkOpen() {
    if (closed) {
      throw new IllegalStateException("registry client is closed");
    }
  }

  private static void deleteTree(@Nullable Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          log.debug("could not delete {}: {}", p, e.toString());
        }
      });
    } catch (IOException e) {
      log.debug("could not delete {}: {}", dir, e.toString());
    }
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public String toString() {
    return "nacos://" + settings.serverAddr;
  }
}
