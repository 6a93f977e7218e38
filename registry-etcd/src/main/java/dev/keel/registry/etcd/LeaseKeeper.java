package dev.keel.registry.etcd;

import static dev.keel.registry.etcd.EtcdRegistryClient.await;
import static dev.keel.registry.etcd.EtcdRegistryClient.bytes;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.keel.registry.Durations;
import dev.keel.registry.Registration;
import dev.keel.registry.RegistrationHandle;
import dev.keel.registry.RegistryException;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.internal.HealthTracker;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.options.PutOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One lease per client, and every registration attached to it.
 *
 * <p>The lease is refreshed with a single keep-alive request every third of its TTL from Keel's
 * own timer rather than through jetcd's keep-alive stream, which can end without telling anyone
 * (etcd-io/jetcd#965). When etcd says the lease is gone (expired or revoked), or when no
 * keep-alive has succeeded for longer than the TTL (a network gap), a new lease is granted and
 * every remembered registration is put again under it.
 *
 * <p>Every write to etcd (put, delete, re-put, revoke) runs under {@link #io}, so a registration
 * closed while a restore is under way is deleted after the restore and never put again.
 */
final class LeaseKeeper {
  private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);

  private final Client client;
  private final EtcdConfig config;
  private final InstanceCodec codec;
  private final ScheduledExecutorService timer;
  private final HealthTracker health;
  private final ReentrantLock io = new ReentrantLock();
  @GuardedBy("io")
  private final Map<String, RegistrationHandle> registrations = new LinkedHashMap<>(); // by etcd key
  @GuardedBy("io")
  private boolean closed;
  private volatile long leaseId; // 0: none granted, or lost and not yet replaced
  private volatile long lastAliveNanos;

  LeaseKeeper(Client client, EtcdConfig config, InstanceCodec codec, ThreadFactory threads, HealthTracker health) {
    this.client = client;
    this.health = health;
    this.config = config;
    this.codec = codec;
    this.timer = Executors.newSingleThreadScheduledExecutor(threads);
    long every = config.keepAliveInterval().toMillis();
    timer.scheduleWithFixedDelay(this::tickSurviving, every, every, TimeUnit.MILLISECONDS);
  }

  /** A periodic task that throws is never run again: one unexpected failure would end keep-alives. */
  private void tickSurviving() {
    try {
      tick();
    } catch (RuntimeException e) {
      log.warn("etcd lease keep-alive failed unexpectedly; retrying in {}", Durations.format(config.keepAliveInterval()), e);
    }
  }

  long leaseId() {
    return leaseId;
  }

  /** Puts {@code instance} under the lease (granting one first if needed); blocks up to the timeout. */
  Registration register(ServiceInstance instance) {
    String key = codec.key(instance);
    io.lock();
    try {
      if (closed) {
        throw new IllegalStateException("registry client is closed");
      }
      ensureLease();
      try {
        put(key, instance, leaseId);
      } catch (RegistryException e) {
        if (!isLeaseNotFound(e)) {
          throw e;
        }
        log.warn("etcd lease {} is gone; granting a new one", hex(leaseId));
        leaseId = 0;
        ensureLease();
        put(key, instance, leaseId);
      }
      RegistrationHandle r = new RegistrationHandle(instance, this::deregister, this::update);
      RegistrationHandle previous = registrations.put(key, r);
      if (previous != null) {
        previous.supersede();
      }
      return r;
    } finally {
      io.unlock();
    }
  }

  /** Stops the keep-alives and revokes the lease, which deletes every key attached to it. */
  void close() {
    timer.shutdownNow();
    io.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      registrations.values().forEach(RegistrationHandle::supersede);
      registrations.clear();
      long id = leaseId;
      leaseId = 0;
      if (id != 0) {
        try {
          await(client.getLeaseClient().revoke(id), config, config.timeout(), "revoke lease " + hex(id));
        } catch (RegistryException e) {
          log.warn("{}; its keys expire with the lease within {}", e.getMessage(), Durations.format(config.ttl()));
        }
      }
    } finally {
      io.unlock();
    }
  }

  /** Runs on {@link #timer}: refreshes the lease, or restores the registrations after a loss. */
  private void tick() {
    long id = leaseId;
    if (id == 0) {
      restore(0); // a previous restore failed, or nothing was granted yet
      return;
    }
    Duration wait = config.ttl().compareTo(config.timeout()) < 0 ? config.ttl() : config.timeout();
    try {
      await(client.getLeaseClient().keepAliveOnce(id), config, wait, "keep lease " + hex(id) + " alive");
      lastAliveNanos = System.nanoTime();
      health.reachable();
    } catch (RegistryException e) {
      if (isLeaseNotFound(e)) {
        health.reachable(); // etcd answered: the lease is gone, etcd is not
        log.warn("etcd lease {} is gone (expired or revoked); granting a new one and registering again", hex(id));
        restore(id);
        return;
      }
      health.unreachable("keep lease " + hex(id) + " alive", e);
      if (System.nanoTime() - lastAliveNanos > config.ttl().toNanos()) {
        // Once per lease: while etcd stays away, the retries say nothing new (the tracker said it is gone).
        log.warn("etcd lease {} not refreshed for longer than its TTL {} ({}); granting a new one once etcd answers",
            hex(id), config.ttl(), e.getMessage());
        restore(id);
      } else {
        log.debug("keep-alive failed; retrying", e);
      }
    }
  }

  private void restore(long lostId) {
    io.lock();
    try {
      if (closed || leaseId != lostId) {
        return;
      }
      leaseId = 0;
      if (registrations.isEmpty()) {
        return; // the next register grants a lease
      }
      ensureLease();
      log.info("re-registered {} instance(s) in etcd under lease {}", registrations.size(), hex(leaseId));
      if (lostId != 0) {
        client.getLeaseClient().revoke(lostId); // tidy up if it outlived the gap; failure is fine
      }
    } catch (RuntimeException e) {
      if (health.health().reachable()) {
        log.warn("could not restore {} etcd registration(s) yet ({}); retrying every {}", registrations.size(),
            e.getMessage(), config.keepAliveInterval());
      } else {
        health.unreachable("restore " + registrations.size() + " registration(s)", e);
        log.debug("could not restore {} etcd registration(s) yet; retrying", registrations.size(), e);
      }
    } finally {
      io.unlock();
    }
  }

  /** Under {@link #io}: grants a lease if there is none, and puts every remembered registration under it. */
  @GuardedBy("io")
  private void ensureLease() {
    if (leaseId != 0) {
      return;
    }
    long id = await(client.getLeaseClient().grant(config.ttlSeconds()), config, config.timeout(), "grant a lease").getID();
    try {
      for (Map.Entry<String, RegistrationHandle> r : new ArrayList<>(registrations.entrySet())) {
        put(r.getKey(), r.getValue().instance(), id);
      }
    } catch (RuntimeException e) {
      client.getLeaseClient().revoke(id); // best effort: retry from scratch next time
      throw e;
    }
    lastAliveNanos = System.nanoTime();
    leaseId = id;
  }

  private void put(String key, ServiceInstance instance, long lease) {
    await(client.getKVClient().put(bytes(key), ByteSequence.from(codec.encode(instance)),
        PutOption.builder().withLeaseId(lease).build()), config, config.timeout(), "put " + key);
  }

  /**
   * Puts {@code next} on its key under the current lease: the key's create revision stays, watchers
   * see a put (the instance changed), never a delete. A restore racing it writes {@code next} too,
   * since the handle already holds it. Blocks up to the timeout.
   */
  private void update(RegistrationHandle r, ServiceInstance next) {
    String key = codec.key(next);
    io.lock();
    try {
      if (closed || registrations.get(key) != r) {
        throw new IllegalStateException("update: " + r + " was superseded, or its client closed");
      }
      if (leaseId == 0) {
        ensureLease(); // lost and not yet restored: restoring puts every registration, this one as updated
      } else {
        put(key, next, leaseId);
      }
    } finally {
      io.unlock();
    }
  }

  private void deregister(RegistrationHandle r) {
    String key = codec.key(r.instance());
    io.lock();
    try {
      if (closed || !registrations.remove(key, r)) {
        return; // superseded, or the client is closed
      }
      try {
        await(client.getKVClient().delete(bytes(key)), config, config.timeout(), "delete " + key);
      } catch (RegistryException e) {
        log.warn("{}; the key goes when the lease is revoked or expires", e.getMessage());
      }
    } finally {
      io.unlock();
    }
  }

  private static boolean isLeaseNotFound(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && t.getMessage().contains("lease not found")) {
        return true;
      }
    }
    return false;
  }

  static String hex(long id) {
    return Long.toHexString(id);
  }
}
