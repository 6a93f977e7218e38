package dev.keel.registry.etcd;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.etcd.EtcdRegistryClient.Listing;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.Watch;
import io.etcd.jetcd.common.exception.CompactedException;
import io.etcd.jetcd.common.exception.ErrorCode;
import io.etcd.jetcd.common.exception.EtcdException;
import io.etcd.jetcd.options.WatchOption;
import io.etcd.jetcd.watch.WatchEvent;
import io.etcd.jetcd.watch.WatchResponse;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watch of one service: list the prefix, then watch from the listed revision + 1.
 *
 * <ul>
 *   <li>Compaction (etcd cancels the watch because its revision is gone), any other cancel, or a
 *       watch that ends without an error: re-list, deliver one corrected snapshot, and watch from
 *       the new revision + 1.
 *   <li>A broken connection: Keel closes jetcd's watcher (whose own resume point can skip events)
 *       and, after a back-off, watches again from the last revision it applied + 1, so etcd replays
 *       what was missed; once that watch is created (the reconnect) it re-lists to check, and
 *       applies the listing when it is newer. If that revision was compacted meanwhile, the
 *       compaction path above takes over.
 * </ul>
 *
 * <p>All state lives on the client's event thread ({@link EtcdRegistryClient#events()}); the
 * listener is called there, one snapshot at a time, in revision order. Never throws when etcd is
 * unreachable: it retries with back-off and delivers once it can.
 */
final class ServiceWatch {
  private static final Logger log = LoggerFactory.getLogger(ServiceWatch.class);
  private static final long MIN_BACKOFF_MILLIS = 200;
  private static final long MAX_BACKOFF_MILLIS = 5_000;

  private final EtcdRegistryClient owner;
  private final String service;
  private final Consumer<InstanceSet> listener;
  private final ScheduledExecutorService events;
  private volatile boolean closed;

  // Confined to the event thread:
  private final Map<String, ServiceInstance> byKey = new HashMap<>();
  private long revision; // every change up to here is in byKey
  private long generation; // bumped whenever the current watcher or listing is abandoned
  private Watch.@Nullable Watcher watcher;
  private long backoffMillis = MIN_BACKOFF_MILLIS;
  private boolean failing;

  ServiceWatch(EtcdRegistryClient owner, String service, Consumer<InstanceSet> listener) {
    this.owner = owner;
    this.service = service;
    this.listener = listener;
    this.events = owner.events();
  }

  void start() {
    run(this::relist);
  }

  void close() {
    closed = true;
    run(() -> {
      generation++;
      closeWatcher();
    });
  }

  private void relist() {
    if (closed) {
      return;
    }
    long gen = ++generation;
    closeWatcher();
    owner.list(service).whenComplete((listing, error) -> run(() -> onListed(gen, listing, error)));
  }

  private void onListed(long gen, @Nullable Listing listing, @Nullable Throwable error) {
    if (closed || gen != generation) {
      return;
    }
    if (listing == null) {
      failed("list", error);
      retry(this::relist);
      return;
    }
    recovered();
    owner.healthTracker().reachable();
    byKey.clear();
    byKey.putAll(listing.instances());
    revision = listing.revision();
    deliver();
    openWatch(revision + 1, false);
  }

  /** Watches from {@code from}; {@code reconnect} re-lists to check once the watch is created. */
  private void openWatch(long from, boolean reconnect) {
    long gen = ++generation;
    closeWatcher();
    WatchOption option = WatchOption.builder().isPrefix(true).withRevision(from).withCreateNotify(true).build();
    try {
      watcher = owner.jetcdWatch().watch(EtcdRegistryClient.bytes(owner.keyPrefix(service)), option, Watch.listener(
          response -> run(() -> onResponse(gen, response, reconnect)),
          error -> run(() -> onWatchError(gen, error)),
          () -> run(() -> onWatchEnd(gen))));
    } catch (RuntimeException e) {
      failed("watch", e);
      retry(() -> openWatch(from, reconnect));
    }
  }

  private void onResponse(long gen, WatchResponse response, boolean reconnect) {
    if (closed || gen != generation) {
      return;
    }
    owner.healthTracker().reachable();
    if (response.isCreatedNotify()) {
      recovered();
      if (reconnect) {
        owner.list(service).whenComplete((listing, error) -> run(() -> onReconnectListed(gen, listing)));
      }
      return;
    }
    boolean changed = false;
    long last = revision;
    for (WatchEvent event : response.getEvents()) {
      KeyValue kv = event.getKeyValue();
      if (kv.getModRevision() <= revision) {
        continue; // already part of a listing
      }
      last = Math.max(last, kv.getModRevision());
      String key = kv.getKey().toString(StandardCharsets.UTF_8);
      ServiceInstance instance =
          event.getEventType() == WatchEvent.EventType.PUT ? owner.decode(service, key, kv) : null;
      ServiceInstance previous = instance == null ? byKey.remove(key) : byKey.put(key, instance);
      changed |= instance == null ? previous != null : !sameIncarnation(instance, previous);
    }
    revision = last;
    if (changed) {
      deliver();
    }
  }

  /** The check after a reconnect: a listing newer than what the watch delivered replaces it. */
  private void onReconnectListed(long gen, @Nullable Listing listing) {
    if (closed || gen != generation || listing == null) {
      return; // a failed check is harmless: the resumed watch replays every change
    }
    if (listing.revision() < revision) {
      log.warn("etcd's revision of '{}' went back from {} to {} (restored from a backup?); re-listing",
          service, revision, listing.revision());
      relist();
    } else if (listing.revision() > revision) {
      boolean changed = !InstanceSet.of(service, byKey.values(), 0).equals(InstanceSet.of(service, listing.instances().values(), 0));
      byKey.clear();
      byKey.putAll(listing.instances());
      revision = listing.revision(); // later events up to here are skipped: the listing has them
      if (changed) {
        deliver();
      }
    }
  }

  private void onWatchError(long gen, Throwable error) {
    if (closed || gen != generation) {
      return;
    }
    if (error instanceof CompactedException) {
      owner.countCompactedWatch();
      log.info("watch of '{}' fell behind etcd's compaction (compacted at revision {}, needed {}); re-listing",
          service, ((CompactedException) error).getCompactedRevision(), revision + 1);
      relist();
    } else if (isCancelledByServer(error)) {
      log.warn("etcd cancelled the watch of '{}' ({}); re-listing", service, error.getMessage());
      relist();
    } else {
      owner.healthTracker().unreachable("watch of '" + service + "'", error);
      failed("watch", error);
      generation++; // drop jetcd's own resume; ours starts from the last revision we applied
      closeWatcher();
      retry(() -> openWatch(revision + 1, true));
    }
  }

  private void onWatchEnd(long gen) {
    if (closed || gen != generation) {
      return;
    }
    log.warn("watch of '{}' ended without an error; re-listing", service);
    relist();
  }

  /** Equal, and the same registration: a key put again under a new lease is a change. */
  private static boolean sameIncarnation(ServiceInstance a, @Nullable ServiceInstance b) {
    return b != null && a.equals(b) && a.incarnation().equals(b.incarnation());
  }

  private static boolean isCancelledByServer(Throwable error) {
    if (!(error instanceof EtcdException)) {
      return false;
    }
    ErrorCode code = ((EtcdException) error).getErrorCode();
    return code == ErrorCode.OUT_OF_RANGE || code == ErrorCode.FAILED_PRECONDITION || code == ErrorCode.INTERNAL;
  }

  private void deliver() {
    InstanceSet set = InstanceSet.of(service, byKey.values(), revision);
    try {
      listener.accept(set);
    } catch (RuntimeException e) {
      log.warn("a listener of '{}' threw; the watch goes on", service, e);
    }
  }

  private void closeWatcher() {
    Watch.Watcher w = watcher;
    watcher = null;
    if (w != null) {
      try {
        w.close();
      } catch (RuntimeException e) {
        log.debug("closing a watcher of '{}' failed", service, e);
      }
    }
  }

  private void retry(Runnable action) {
    long gen = generation;
    long delay = backoffMillis;
    backoffMillis = Math.min(MAX_BACKOFF_MILLIS, backoffMillis * 2);
    try {
      events.schedule(() -> {
        if (!closed && gen == generation) {
          action.run();
        }
      }, delay, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // the client is closing
    }
  }

  /** Logged at DEBUG: the health tracker says once, for every watch, that etcd is unreachable. */
  private void failed(String what, @Nullable Throwable error) {
    if (!failing) {
      failing = true;
      log.debug("etcd {} of service '{}' failed ({}); retrying with back-off up to {} ms", what, service,
          error == null ? "unknown" : error.toString(), MAX_BACKOFF_MILLIS);
    } else {
      log.debug("etcd {} of service '{}' failed again", what, service, error);
    }
  }

  private void recovered() {
    backoffMillis = MIN_BACKOFF_MILLIS;
    if (failing) {
      failing = false;
      log.debug("watch of service '{}' is back", service);
    }
  }

  private void run(Runnable task) {
    try {
      events.execute(task);
    } catch (RejectedExecutionException e) {
      // the client is closing
    }
  }
}
