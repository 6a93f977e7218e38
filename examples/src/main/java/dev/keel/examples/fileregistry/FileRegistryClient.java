package dev.keel.examples.fileregistry;

import static java.util.Objects.requireNonNull;
import static java.util.concurrent.TimeUnit.MILLISECONDS;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.keel.registry.InstanceSet;
import dev.keel.registry.Registration;
import dev.keel.registry.RegistrationHandle;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryException;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.Subscription;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The raw client of one registry file: what an adapter writes. {@link dev.keel.registry.Registries}
 * wraps it with the shared guards (empty-push protection, snapshot cache, per-listener lanes).
 *
 * <p>Threading: one daemon thread per client re-reads the file after a change (seen by a
 * {@link WatchService} on its directory, or by polling) and calls listeners under this client's
 * monitor, one at a time and in order. The guards' listeners only enqueue, so this never blocks.
 *
 * <p>Self-healing: this client remembers what it registered and writes it back whenever the
 * file turns up without it (someone replaced or emptied the file): the file's "session restore".
 */
final class FileRegistryClient implements RegistryClient {
  private static final Logger log = LoggerFactory.getLogger(FileRegistryClient.class);

  private final RegistryFile file;
  private final Duration poll;
  private final Duration debounce;
  private final @Nullable WatchService watcher;
  /** Keyed by service and id; changed only under the file's lock. */
  private final Map<String, RegistrationHandle> registrations = new ConcurrentHashMap<>();
  @GuardedBy("this")
  private final Map<String, List<Consumer<InstanceSet>>> listeners = new HashMap<>();
  @GuardedBy("this")
  private @Nullable Map<String, List<ServiceInstance>> current; // null until the file first parses
  @GuardedBy("this")
  private long revision;
  private byte @Nullable [] lastRead; // on the watching thread, or in the constructor before it starts
  private final Thread thread;
  private volatile boolean closed;

  FileRegistryClient(Path path, Duration poll, Duration debounce, boolean useWatchService) {
    this.file = new RegistryFile(path);
    this.poll = requireNonNull(poll, "poll");
    this.debounce = requireNonNull(debounce, "debounce");
    reload(); // before anyone can watch, so that watchers of a readable file get their first snapshot at once
    Path dir = file.path().toAbsolutePath().getParent();
    this.watcher = useWatchService && dir != null ? openWatcher(dir) : null; // none: polling alone
    this.thread = new Thread(this::watchLoop, "keel-file-registry-" + file.path().getFileName());
    thread.setDaemon(true);
    thread.start();
  }

  @Override
  public Registration register(ServiceInstance instance) {
    requireNonNull(instance, "instance");
    checkOpen();
    RegistrationHandle r = new RegistrationHandle(instance, this::deregister, this::update);
    file.locked(() -> {
      file.update(services -> RegistryFile.put(services, instance));
      RegistrationHandle previous = registrations.put(key(instance), r);
      if (previous != null) {
        previous.supersede();
      }
    });
    return r;
  }

  @Override
  public InstanceSet resolve(String service) {
    checkOpen();
    List<ServiceInstance> instances = file.parse(file.read(), false).getOrDefault(service, List.of());
    synchronized (this) {
      return InstanceSet.of(service, instances, revision);
    }
  }

  @Override
  public synchronized Subscription watch(String service, Consumer<InstanceSet> listener) {
    requireNonNull(listener, "listener");
    checkOpen();
    listeners.computeIfAbsent(service, s -> new ArrayList<>()).add(listener);
    if (current != null) {
      listener.accept(InstanceSet.of(service, current.getOrDefault(service, List.of()), revision));
    }
    return () -> {
      synchronized (this) {
        List<Consumer<InstanceSet>> list = listeners.get(service);
        if (list != null && list.remove(listener) && list.isEmpty()) {
          listeners.remove(service);
        }
      }
    };
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      listeners.clear();
    }
    thread.interrupt();
    if (watcher != null) {
      try {
        watcher.close();
      } catch (IOException e) {
        log.debug("closing the watch service of {}", file.path(), e);
      }
    }
    file.locked(() -> {
      try {
        file.update(services -> registrations.values()
            .forEach(r -> RegistryFile.remove(services, r.instance().service(), r.instance().id())));
      } catch (RegistryException e) {
        log.warn("could not remove this client's registrations from {}: {}", file.path(), e.getMessage());
      }
      registrations.values().forEach(RegistrationHandle::supersede);
      registrations.clear();
    });
  }

  private void watchLoop() {
    while (!closed) {
      try {
        awaitChange();
        reload();
      } catch (InterruptedException | ClosedWatchServiceException e) {
        return; // closed
      } catch (RuntimeException e) {
        log.warn("watching {} failed; trying again", file.path(), e);
      }
    }
  }

  /**
   * Returns once the directory has changed and then been quiet for the debounce time (a burst of
   * writes is read once), or after the poll interval: a WatchService can be slow or missing on
   * some file systems, so the file is re-read on every poll too.
   */
  private void awaitChange() throws InterruptedException {
    if (watcher == null) {
      Thread.sleep(poll.toMillis());
      return;
    }
    WatchKey key = watcher.poll(poll.toMillis(), MILLISECONDS);
    long giveUp = System.nanoTime() + 10 * debounce.toNanos(); // a steady stream of writes is still read
    while (key != null) {
      key.pollEvents(); // which file changed does not matter: an unchanged file is recognised by its bytes
      key.reset();
      if (System.nanoTime() - giveUp > 0) {
        return;
      }
      key = watcher.poll(debounce.toMillis(), MILLISECONDS);
    }
  }

  /** Reads the file; when it changed and parses, restores missing registrations or publishes it. */
  private void reload() {
    byte[] bytes = file.read();
    if (Arrays.equals(bytes, lastRead)) {
      return;
    }
    lastRead = bytes;
    Map<String, List<ServiceInstance>> services;
    try {
      services = file.parse(bytes, true);
    } catch (RegistryException e) {
      log.error("{}; keeping the last good set", e.getMessage());
      return;
    }
    if (restoreMissing(services)) {
      return; // the file just written is read on the next pass; this one lacks our instances
    }
    publish(services);
  }

  /** Writes back the registrations that {@code services} lacks; returns whether it wrote. */
  private boolean restoreMissing(Map<String, List<ServiceInstance>> services) {
    boolean missing = registrations.values().stream()
        .anyMatch(r -> !services.getOrDefault(r.instance().service(), List.of()).contains(r.instance()));
    if (!missing) {
      return false;
    }
    try {
      boolean wrote = file.update(s -> registrations.values().forEach(r -> RegistryFile.put(s, r.instance())));
      if (wrote) {
        log.info("{} was replaced without this client's registrations; restored them", file.path());
      }
      return wrote;
    } catch (RegistryException e) {
      log.warn("could not restore registrations in {}: {}", file.path(), e.getMessage());
      return false;
    }
  }

  private synchronized void publish(Map<String, List<ServiceInstance>> services) {
    Map<String, List<ServiceInstance>> previous = current;
    current = services;
    revision++;
    for (Map.Entry<String, List<Consumer<InstanceSet>>> watched : listeners.entrySet()) {
      String service = watched.getKey();
      InstanceSet set = InstanceSet.of(service, services.getOrDefault(service, List.of()), revision);
      if (previous != null && set.equals(InstanceSet.of(service, previous.getOrDefault(service, List.of()), 0))) {
        continue; // equal sets ignore the revision: nothing changed for this service
      }
      for (Consumer<InstanceSet> listener : List.copyOf(watched.getValue())) {
        try {
          listener.accept(set);
        } catch (RuntimeException e) {
          log.warn("a listener of service '{}' threw", service, e);
        }
      }
    }
  }

  /** Rewrites the instance's entry in one write of the file: readers never see it missing. */
  private void update(RegistrationHandle r, ServiceInstance next) {
    checkOpen();
    file.locked(() -> {
      if (registrations.get(key(next)) != r) {
        throw new IllegalStateException("update: " + r + " was superseded, or its client closed");
      }
      file.update(services -> RegistryFile.put(services, next));
    });
  }

  private void deregister(RegistrationHandle r) {
    ServiceInstance instance = r.instance();
    file.locked(() -> {
      if (!registrations.remove(key(instance), r)) {
        return; // replaced by a newer registration, or the client was closed
      }
      try {
        file.update(services -> RegistryFile.remove(services, instance.service(), instance.id()));
      } catch (RegistryException e) {
        log.warn("could not deregister {} from {}: {}", instance, file.path(), e.getMessage());
      }
    });
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("registry client is closed");
    }
  }

  private @Nullable WatchService openWatcher(Path dir) {
    WatchService w = null;
    try {
      w = dir.getFileSystem().newWatchService();
      dir.register(w, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
          StandardWatchEventKinds.ENTRY_DELETE);
      return w;
    } catch (IOException | UnsupportedOperationException e) {
      log.info("no WatchService for {} ({}); polling it every {}", dir, e.toString(), poll);
      if (w != null) {
        try {
          w.close();
        } catch (IOException ignored) {
          // nothing more to release
        }
      }
      return null;
    }
  }

  private static String key(ServiceInstance instance) {
    return instance.service() + '\u0000' + instance.id();
  }
}
