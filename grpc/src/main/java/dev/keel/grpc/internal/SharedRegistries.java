package dev.keel.grpc.internal;

import static java.util.Objects.requireNonNull;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Registry clients opened for channel targets, shared by registry URI and reference-counted: two
 * channels to {@code zookeeper://zk:2181/services/orders} and {@code .../services/billing} hold one
 * ZooKeeper session, not two. The first {@link #acquire} opens the client (it may block: call it off
 * the channel's synchronization context); the last {@link #release} closes it.
 *
 * <p>Thread-safe. Opening happens outside the table's lock, so a slow registry holds up only the
 * callers waiting for that same URI.
 */
final class SharedRegistries {
  static final SharedRegistries INSTANCE = new SharedRegistries(Registries::open);

  private final Function<String, RegistryClient> opener;
  @GuardedBy("this")
  private final Map<String, Entry> entries = new HashMap<>();

  SharedRegistries(Function<String, RegistryClient> opener) {
    this.opener = requireNonNull(opener, "opener");
  }

  private static final class Entry {
    final CompletableFuture<RegistryClient> client = new CompletableFuture<>();
    int references;
  }

  /**
   * The client for {@code registryUri}, opened on first use. Every successful call must be matched
   * by one {@link #release}.
   *
   * @throws RuntimeException what {@code Registries.open} threw (a bad URI, an unreachable registry)
   */
  RegistryClient acquire(String registryUri) {
    requireNonNull(registryUri, "registryUri");
    Entry entry;
    boolean opening;
    synchronized (this) {
      Entry found = entries.get(registryUri);
      opening = found == null;
      if (found == null) {
        found = new Entry();
        entries.put(registryUri, found);
      }
      found.references++;
      entry = found;
    }
    if (opening) {
      try {
        entry.client.complete(opener.apply(registryUri));
      } catch (RuntimeException | Error e) {
        synchronized (this) {
          entries.remove(registryUri, entry);
        }
        entry.client.completeExceptionally(e);
        throw e;
      }
    }
    try {
      return entry.client.join();
    } catch (CompletionException e) {
      synchronized (this) {
        entry.references--;
      }
      Throwable cause = e.getCause();
      throw cause instanceof RuntimeException r ? r : new IllegalStateException(cause);
    }
  }

  /** Gives back one reference; the last one closes the client. */
  void release(String registryUri) {
    @Nullable RegistryClient toClose = null;
    synchronized (this) {
      Entry entry = entries.get(registryUri);
      if (entry == null) {
        return;
      }
      if (--entry.references == 0) {
        entries.remove(registryUri);
        toClose = entry.client.getNow(null);
      }
    }
    if (toClose != null) {
      toClose.close();
    }
  }

  /** How many registry clients are open now (for tests and diagnostics). */
  synchronized int open() {
    return (int) entries.values().stream().filter(e -> e.client.isDone() && !e.client.isCompletedExceptionally()).count();
  }
}
