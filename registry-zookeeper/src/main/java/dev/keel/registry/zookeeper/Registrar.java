package dev.keel.registry.zookeeper;

import dev.keel.registry.Registration;
import dev.keel.registry.RegistrationHandle;
import dev.keel.registry.RegistryException;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.internal.DaemonThreads;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this client's instance nodes in ZooKeeper: creates them, restores them after every
 * reconnection (a new session after expiry included), deletes them when deregistered.
 *
 * <p>Every change to ZooKeeper runs on one thread, in order, so a deregistration queued after a
 * restoration always wins: a closed registration is never brought back (CURATOR-164). A node found
 * at our path that the current session does not own (left by our expired session, or by another
 * writer) is deleted and created again rather than adopted, so that its old session's expiry cannot
 * remove it later and watchers see the change (apache/dubbo#5125).
 */
final class Registrar implements ConnectionStateListener {
  private static final Logger log = LoggerFactory.getLogger(Registrar.class);
  private static final long MAX_RETRY_MILLIS = 30_000;

  private final CuratorFramework curator;
  private final Duration timeout;
  private final @Nullable List<ACL> acl;
  private final ScheduledThreadPoolExecutor thread = new ScheduledThreadPoolExecutor(1, new DaemonThreads("keel-zookeeper-registrar"));
  private final Map<String, ZkRegistration> byPath = new ConcurrentHashMap<>();
  private final Map<String, Long> pendingDeletes = new HashMap<>(); // on thread only: path -> owner session
  private long retryMillis; // on thread only: the last retry delay, 0 after a success
  private boolean retryScheduled; // on thread only
  private volatile boolean closed;

  /**
   * @param acl the ACL of instance nodes, or null for the client's ACL provider
   */
  Registrar(CuratorFramework curator, Duration timeout, @Nullable List<ACL> acl) {
    this.curator = curator;
    this.timeout = timeout;
    this.acl = acl;
    thread.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    curator.getConnectionStateListenable().addListener(this);
  }

  /**
   * Registers {@code instance} at {@code path}; waits up to the timeout for ZooKeeper to accept it.
   *
   * @param encode the node data of an instance, for this registration and its updates (so that an
   *     update keeps what identifies the registration, such as its registration time)
   */
  Registration register(ServiceInstance instance, String path, Function<ServiceInstance, byte[]> encode) {
    ZkRegistration r = new ZkRegistration(instance, path, encode);
    ZkRegistration previous;
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("registry client is closed");
      }
      previous = byPath.put(path, r);
    }
    try {
      await(thread.submit(() -> {
        ensure(r);
        return null;
      }));
      if (previous != null) {
        previous.handle.supersede(); // only now: a registration that failed puts the previous one back
      }
      return r.handle;
    } catch (RuntimeException e) {
      // Not accepted in time: the caller gets no handle, so nothing may keep it alive.
      if (previous != null && byPath.replace(path, r, previous)) {
        later(() -> ensureOrRetry(previous));
      } else if (byPath.remove(path, r)) {
        later(() -> delete(path, r.ownerSession));
      }
      throw new RegistryException("zookeeper: could not register " + path + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void stateChanged(CuratorFramework client, ConnectionState state) {
    if (state == ConnectionState.RECONNECTED && !closed) {
      log.debug("reconnected to ZooKeeper; restoring {} registrations", byPath.size());
      later(this::restoreAll);
    }
  }

  /**
   * Deletes every node of ours still registered, waiting up to the timeout when connected.
   *
   * @param sessionEnds whether the Curator client is closed next, which ends the session and so
   *     removes our ephemeral nodes anyway; when it is not (a client passed in by the caller),
   *     nodes that cannot be deleted now are handed to Curator's guaranteed delete, which retries
   *     after reconnecting
   */
  void close(boolean sessionEnds) {
    List<ZkRegistration> all;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      all = List.copyOf(byPath.values());
      all.forEach(r -> r.handle.supersede());
      byPath.clear();
    }
    curator.getConnectionStateListenable().removeListener(this);
    boolean deleted = all.isEmpty();
    if (!deleted && curator.getZookeeperClient().isConnected()) {
      try {
        deleted = awaitResult(thread.submit(() -> {
          boolean ok = true;
          for (ZkRegistration r : all) {
            ok &= delete(r.path, r.ownerSession);
          }
          return ok;
        }));
      } catch (RuntimeException e) {
        log.warn("could not delete {} instance nodes before closing: {}", all.size(), e.getMessage());
      }
    }
    thread.shutdown();
    if (!deleted && !sessionEnds) {
      for (ZkRegistration r : all) {
        try {
          curator.delete().guaranteed().inBackground().forPath(r.path);
        } catch (Exception e) {
          log.warn("could not delete {}: {}; it goes when the Curator client's session ends", r.path, e.toString());
        }
      }
    }
  }

  /** Puts back what the current session lacks; on thread. */
  private void restoreAll() {
    boolean failed = false;
    for (ZkRegistration r : byPath.values()) {
      try {
        ensure(r);
      } catch (Exception e) {
        failed = true;
        log.warn("could not restore the registration {}: {}; retrying", r.path, e.toString());
      }
    }
    for (Map.Entry<String, Long> d : Map.copyOf(pendingDeletes).entrySet()) {
      pendingDeletes.remove(d.getKey());
      delete(d.getKey(), d.getValue());
    }
    if (failed || !pendingDeletes.isEmpty()) {
      scheduleRetry();
    } else {
      retryMillis = 0;
    }
  }

  private void ensureOrRetry(ZkRegistration r) {
    try {
      ensure(r);
    } catch (Exception e) {
      log.warn("could not restore the registration {}: {}; retrying", r.path, e.toString());
      scheduleRetry();
    }
  }

  /** Runs {@link #restoreAll} again after a delay that doubles up to 30 s while it fails; on thread. */
  private void scheduleRetry() {
    if (retryScheduled || closed) {
      return;
    }
    retryScheduled = true;
    retryMillis = Math.min(MAX_RETRY_MILLIS, Math.max(500, retryMillis * 2));
    thread.schedule(() -> {
      retryScheduled = false;
      restoreAll();
    }, retryMillis, TimeUnit.MILLISECONDS);
  }

  /** Makes the node at {@code r.path} ours, in this session, with {@code r.data}; on thread. */
  private void ensure(ZkRegistration r) throws Exception {
    for (int attempt = 0; attempt < 10; attempt++) {
      if (byPath.get(r.path) != r) {
        return; // deregistered or replaced: never bring it back
      }
      // Fail fast rather than spend Curator's whole retry budget on this thread: every
      // reconnection restores all registrations anyway.
      if (!curator.getZookeeperClient().isConnected()
          && !curator.blockUntilConnected((int) timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new KeeperException.ConnectionLossException();
      }
      Stat stat = new Stat();
      byte[] current;
      try {
        current = curator.getData().storingStatIn(stat).forPath(r.path);
      } catch (KeeperException.NoNodeException e) {
        current = null;
      }
      long session = curator.getZookeeperClient().getZooKeeper().getSessionId();
      if (current == null) {
        try {
          Stat created = new Stat();
          if (acl == null) {
            curator.create().storingStatIn(created).creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL)
                .forPath(r.path, r.data);
          } else {
            curator.create().storingStatIn(created).creatingParentContainersIfNeeded().withMode(CreateMode.EPHEMERAL)
                .withACL(acl).forPath(r.path, r.data);
          }
          r.ownerSession = created.getEphemeralOwner();
          return;
        } catch (KeeperException.NodeExistsException e) {
          continue; // raced with another writer, or our own retried create: look again
        }
      }
      if (stat.getEphemeralOwner() == session && session != 0) {
        r.ownerSession = session;
        if (!Arrays.equals(current, r.data)) {
          curator.setData().withVersion(stat.getVersion()).forPath(r.path, r.data);
        }
        return;
      }
      log.info("replacing {}: it is owned by session 0x{}, not by ours (0x{})", r.path,
          Long.toHexString(stat.getEphemeralOwner()), Long.toHexString(session));
      try {
        // One transaction: watchers see the node go and come back, readers never miss it.
        curator.transaction().forOperations(
            curator.transactionOp().delete().withVersion(stat.getVersion()).forPath(r.path),
            acl == null
                ? curator.transactionOp().create().withMode(CreateMode.EPHEMERAL).forPath(r.path, r.data)
                : curator.transactionOp().create().withMode(CreateMode.EPHEMERAL).withACL(acl).forPath(r.path, r.data));
        Stat created = curator.checkExists().forPath(r.path);
        r.ownerSession = created == null ? session : created.getEphemeralOwner();
        return;
      } catch (KeeperException.NoNodeException | KeeperException.BadVersionException | KeeperException.NodeExistsException e) {
        // changed meanwhile: look again
      }
    }
    throw new IllegalStateException(r.path + " kept changing under us");
  }

  /**
   * Deletes the node at {@code path} when nothing registers it any more and it is ours (owned by
   * the current session or by {@code ownerSession}, the one that created it); on thread. A failure
   * is retried later, unless the registrar is closed.
   *
   * @return false when ZooKeeper could not be asked
   */
  private boolean delete(String path, long ownerSession) {
    if (byPath.containsKey(path)) {
      return true; // registered again meanwhile
    }
    try {
      Stat stat = curator.checkExists().forPath(path);
      if (stat == null) {
        return true;
      }
      long session = curator.getZookeeperClient().getZooKeeper().getSessionId();
      long owner = stat.getEphemeralOwner();
      if (owner != 0 && (owner == session || owner == ownerSession)) {
        curator.delete().withVersion(stat.getVersion()).forPath(path);
      }
      return true;
    } catch (KeeperException.NoNodeException | KeeperException.BadVersionException e) {
      return true; // gone or replaced by someone else: not ours to delete
    } catch (Exception e) {
      if (!closed) {
        log.warn("could not delete {} ({}); retrying", path, e.toString());
        pendingDeletes.put(path, ownerSession);
        scheduleRetry();
      }
      return false;
    }
  }

  /** Runs {@code task} on the registrar's thread, unless the registrar is shut down. */
  private void later(Runnable task) {
    try {
      thread.execute(task);
    } catch (RejectedExecutionException closedMeanwhile) {
      // close() deletes what is left
    }
  }

  private void await(Future<?> f) {
    awaitResult(f);
  }

  private <T> T awaitResult(Future<T> f) {
    try {
      return f.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new RegistryException("no answer within " + dev.keel.registry.Durations.format(timeout) + " (connected: "
          + curator.getZookeeperClient().isConnected() + ")", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw new RegistryException(String.valueOf(cause), cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RegistryException("interrupted", e);
    }
  }

  /**
   * Sets the node's data to {@code next}'s, in place (one setData: watchers see the instance change,
   * never go); waits up to the timeout.
   */
  private void update(ZkRegistration r, ServiceInstance next) {
    byte[] data = r.encode.apply(next);
    boolean ours;
    try {
      ours = awaitResult(thread.submit(() -> {
        if (byPath.get(r.path) != r) {
          return false;
        }
        r.data = data; // what restores write from now on
        ensure(r);
        return true;
      }));
    } catch (RejectedExecutionException closedMeanwhile) {
      ours = false;
    }
    if (!ours) {
      throw new IllegalStateException("update: " + r.handle + " was superseded, or its client closed");
    }
  }

  private void deregister(ZkRegistration r) {
    if (!byPath.remove(r.path, r)) {
      return; // superseded, or the client is closed
    }
    try {
      await(thread.submit(() -> delete(r.path, r.ownerSession)));
    } catch (RuntimeException e) {
      log.warn("could not deregister {} in time ({}); it is deleted once ZooKeeper answers", r.path, e.getMessage());
    }
  }

  /** What is kept of one registration to restore it; its handle is superseded once another holds its path. */
  private final class ZkRegistration {
    final String path;
    final Function<ServiceInstance, byte[]> encode;
    final RegistrationHandle handle;
    volatile byte[] data; // set on the registrar's thread only
    volatile long ownerSession; // the session that created its node

    ZkRegistration(ServiceInstance instance, String path, Function<ServiceInstance, byte[]> encode) {
      this.path = path;
      this.encode = encode;
      this.data = encode.apply(instance);
      this.handle = new RegistrationHandle(instance, h -> deregister(this), (h, next) -> update(this, next));
    }
  }
}
