package dev.keel.registry.etcd;

import static java.util.Objects.requireNonNull;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.Registration;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryException;
import dev.keel.registry.RegistryHealth;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.Subscription;
import dev.keel.registry.internal.HealthTracker;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.options.GetOption;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The raw etcd adapter client; {@link dev.keel.registry.Registries#guard} wraps it.
 *
 * <p>Thread-safe. Registrations are kept by a {@link LeaseKeeper}; each {@link #watch} is a
 * {@link ServiceWatch} whose state changes and deliveries all run on this client's one event
 * thread, so one listener is never called concurrently. Closes the jetcd client only when it
 * created it ({@code owned}).
 */
final class EtcdRegistryClient implements RegistryClient {
  private static final AtomicInteger CLIENTS = new AtomicInteger();

  private final Client client;
  private final boolean owned;
  private final EtcdConfig config;
  private final InstanceCodec codec;
  private final LeaseKeeper leases;
  private final ScheduledExecutorService events;
  private final Set<ServiceWatch> watches = ConcurrentHashMap.newKeySet();
  private final AtomicLong compactedWatches = new AtomicLong();
  private final String name;
  private final HealthTracker health;
  private final EtcdProbe probe;
  private volatile boolean closed;

  /** @param addresses the endpoints' host and port, for the reachability probe; empty for a client passed in */
  EtcdRegistryClient(Client client, boolean owned, EtcdConfig config, List<InetSocketAddress> addresses) {
    this.client = requireNonNull(client, "client");
    this.owned = owned;
    this.config = requireNonNull(config, "config");
    this.codec = new InstanceCodec(config.prefix());
    this.name = "etcd://" + config.endpoints().replace("http://", "").replace("https://", "");
    this.health = new HealthTracker(name);
    int n = CLIENTS.incrementAndGet();
    this.leases = new LeaseKeeper(client, config, codec, daemon("keel-etcd-lease-" + n), health);
    this.events = Executors.newSingleThreadScheduledExecutor(daemon("keel-etcd-watch-" + n));
    this.probe = new EtcdProbe(client, config, codec, addresses, health, daemon("keel-etcd-health-" + n));
    probe.start();
  }

  @Override
  public Registration register(ServiceInstance instance) {
    requireNonNull(instance, "instance");
    InstanceCodec.checkService(instance.service());
    checkOpen();
    return leases.register(instance);
  }

  @Override
  public InstanceSet resolve(String service) {
    InstanceCodec.checkService(service);
    checkOpen();
    Listing listing;
    try {
      listing = await(list(service), config, config.timeout(), "list service '" + service + "'");
    } catch (RegistryException e) {
      health.unreachable("list service '" + service + "'", e);
      throw e;
    }
    health.reachable();
    return InstanceSet.of(service, listing.instances().values(), listing.revision());
  }

  @Override
  public Subscription watch(String service, Consumer<InstanceSet> listener) {
    InstanceCodec.checkService(service);
    requireNonNull(listener, "listener");
    checkOpen();
    ServiceWatch w = new ServiceWatch(this, service, listener);
    watches.add(w);
    w.start();
    return () -> {
      watches.remove(w);
      w.close();
    };
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    probe.close();
    watches.forEach(ServiceWatch::close);
    watches.clear();
    try {
      leases.close();
    } finally {
      events.shutdownNow();
      if (owned) {
        client.close();
      }
      health.closed();
    }
  }

  /** The service segments of the keys under {@code {prefix}/services/}, read keys only. */
  @Override
  public List<String> services() {
    checkOpen();
    String root = codec.prefix() + "/services/";
    var response = await(client.getKVClient().get(bytes(root), GetOption.builder().isPrefix(true).withKeysOnly(true).build())
        .orTimeout(config.timeout().toMillis(), TimeUnit.MILLISECONDS), config, config.timeout(), "list services");
    java.util.TreeSet<String> names = new java.util.TreeSet<>();
    for (KeyValue kv : response.getKvs()) {
      String rest = kv.getKey().toString(StandardCharsets.UTF_8).substring(root.length());
      int slash = rest.indexOf('/');
      if (slash > 0) {
        names.add(rest.substring(0, slash));
      }
    }
    return List.copyOf(names);
  }

  @Override
  public RegistryHealth health() {
    return health.health();
  }

  @Override
  public Subscription onHealthChange(Consumer<RegistryHealth> listener) {
    return health.onChange(listener);
  }

  HealthTracker healthTracker() {
    return health;
  }

  @Override
  public String toString() {
    return name;
  }

  /** Lists one service: its decoded instances by key, and the etcd revision of the read. */
  CompletableFuture<Listing> list(String service) {
    String prefix = codec.serviceKeyPrefix(service);
    return client.getKVClient()
        .get(bytes(prefix), GetOption.builder().isPrefix(true).build())
        .orTimeout(config.timeout().toMillis(), TimeUnit.MILLISECONDS)
        .thenApply(response -> {
          Map<String, ServiceInstance> byKey = new LinkedHashMap<>();
          for (KeyValue kv : response.getKvs()) {
            String key = kv.getKey().toString(StandardCharsets.UTF_8);
            ServiceInstance instance = decode(service, key, kv);
            if (instance != null) {
              byKey.put(key, instance);
            }
          }
          return new Listing(byKey, response.getHeader().getRevision());
        });
  }

  /**
   * The instance at {@code key}, with its incarnation: the key's create revision (a key deleted and
   * put again) and its lease (a process that restarted puts the key under a lease of its own before
   * the old one expires). Null when the value is malformed, which is reported once per version to
   * the health tracker, naming the key.
   */
  @Nullable ServiceInstance decode(String service, String key, KeyValue kv) {
    try {
      return codec.decode(service, key, kv.getValue().getBytes()).toBuilder()
          .incarnation("c" + kv.getCreateRevision() + "l" + Long.toHexString(kv.getLease())).build();
    } catch (IllegalArgumentException e) {
      health.malformed(service, key, kv.getModRevision(), String.valueOf(e.getMessage()));
      return null;
    }
  }

  String keyPrefix(String service) {
    return codec.serviceKeyPrefix(service);
  }

  Watch jetcdWatch() {
    return client.getWatchClient();
  }

  ScheduledExecutorService events() {
    return events;
  }

  EtcdConfig config() {
    return config;
  }

  void countCompactedWatch() {
    compactedWatches.incrementAndGet();
  }

  /** How many watches etcd cancelled because their revision had been compacted (for tests and metrics). */
  long compactedWatchCount() {
    return compactedWatches.get();
  }

  /** The id of the lease registrations are attached to now, 0 when none is granted. */
  long leaseId() {
    return leases.leaseId();
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("registry client is closed");
    }
  }

  static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  /** Waits for {@code future}; a failure or a timeout is a {@link RegistryException} naming {@code what}. */
  static <T> T await(CompletableFuture<T> future, EtcdConfig config, Duration timeout, String what) {
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryException("interrupted while waiting for etcd to " + what, e);
    } catch (TimeoutException e) {
      future.cancel(false);
      throw new RegistryException("etcd at " + config.endpoints() + " did not answer within " + dev.keel.registry.Durations.format(timeout) + " to " + what, e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() instanceof TimeoutException
          ? new TimeoutException("no answer within " + dev.keel.registry.Durations.format(timeout)) : e.getCause();
      throw new RegistryException("etcd at " + config.endpoints() + " could not " + what + ": " + cause, cause);
    }
  }

  private static ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /** One read of a service: instances by key and the revision they are current at. */
  record Listing(Map<String, ServiceInstance> instances, long revision) {}
}
