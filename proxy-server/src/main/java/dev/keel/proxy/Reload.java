package dev.keel.proxy;

import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.config.ProxyConfig;
import dev.keel.proxy.listener.ListenerEnvironment;
import dev.keel.proxy.listener.ListenerKinds;
import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.tls.TlsMaterial;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One reload of a {@link ProxyServer}: all or nothing. {@link #prepare} builds everything the new
 * config needs while every running listener keeps serving: it reads every TLS file (new
 * certificates for unchanged listeners too, which is how a certificate is rotated), then binds
 * each new or changed listener beside the one it replaces. If any step fails, what was built is
 * undone and the exception is thrown: the running listeners, their certificates and their ports
 * are exactly as before. Only then does {@link #commit} swap: listeners are replaced, new TLS
 * material is installed, and the replaced and removed listeners are retired (they stop
 * accepting and close once their connections are done).
 *
 * <p>A listener whose port its transport cannot share (no SO_REUSEPORT: NIO) is handed over: the
 * old one stops accepting, the new one binds; if that fails, the old one listens again and the
 * rest is undone. Connections that reach a new listener before a failed step are served by it and
 * it is retired like a replaced one, so no accepted connection is dropped.
 *
 * <p>Used by one thread, under the server's lock.
 */
final class Reload {
  private static final Logger log = LoggerFactory.getLogger(Reload.class);
  static final long RELEASE_WAIT_MILLIS = 2_000;

  /** A new listener and the running one it replaces (null: it is added). */
  private record Swap(@Nullable RunningListener old, RunningListener fresh) {}

  private final List<RunningListener> running;
  private final ListenerEnvironment env;
  private final Consumer<RunningListener> retire;
  private final List<Swap> swaps = new ArrayList<>();
  private final Map<RunningListener, TlsMaterial> certificates = new LinkedHashMap<>();
  private final List<RunningListener> handedOver = new ArrayList<>();

  /**
   * @param running the server's live listeners (read here; changed only by {@link #commit})
   * @param retire how the server retires a listener
   */
  Reload(List<RunningListener> running, ListenerEnvironment env, Consumer<RunningListener> retire) {
    this.running = running;
    this.env = env;
    this.retire = retire;
  }

  /**
   * Builds and binds everything {@code next} needs; on failure undoes it and throws.
   *
   * @throws IllegalArgumentException or IllegalStateException naming what could not be used or bound
   */
  Reload prepare(ProxyConfig next) {
    try {
      List<ListenerConfig> toStart = new ArrayList<>();
      for (ListenerConfig l : next.listeners()) {
        ListenerKinds.forConfig(l);
        // Every file is read before anything is bound: a bad certificate fails the reload here.
        TlsMaterial material = TlsMaterial.load(l.tls(), l.upstream().tls(), l.alpn());
        RunningListener old = find(l.name());
        if (old != null && old.config().equals(l)) {
          if (!material.isEmpty()) {
            certificates.put(old, material);
          }
        } else {
          toStart.add(l);
        }
      }
      List<ListenerConfig> handovers = new ArrayList<>();
      for (ListenerConfig l : toStart) {
        RunningListener old = find(l.name());
        try {
          swaps.add(new Swap(old, ListenerKinds.forConfig(l).start(l, env)));
        } catch (IllegalStateException e) {
          if (old == null || !old.config().listen().equals(l.listen())) {
            throw e;
          }
          handovers.add(l); // the transport could not share the port; tried once everything else is bound
        }
      }
      for (ListenerConfig l : handovers) {
        RunningListener old = java.util.Objects.requireNonNull(find(l.name()), "old");
        log.info("reload: listener '{}': handing its port over (a short window of refused connects)", l.name());
        old.stopAccepting();
        handedOver.add(old);
        awaitReleased(old.localAddress());
        swaps.add(new Swap(old, ListenerKinds.forConfig(l).start(l, env)));
      }
      return this;
    } catch (RuntimeException e) {
      rollback();
      throw e;
    }
  }

  /** Swaps what {@link #prepare} built into {@code running}; cannot fail. */
  void commit(ProxyConfig next) {
    for (Map.Entry<RunningListener, TlsMaterial> c : certificates.entrySet()) {
      c.getKey().tls().install(c.getValue());
      log.info("reload: listener '{}': TLS files re-read", c.getKey().config().name());
    }
    for (Swap s : swaps) {
      ListenerConfig l = s.fresh().config();
      if (s.old() != null) {
        running.set(running.indexOf(s.old()), s.fresh());
        retire.accept(s.old());
      } else {
        running.add(s.fresh());
      }
      log.info("reload: {} listener '{}' on {} -> {} ({})", l.protocol(), l.name(), s.fresh().localAddress(),
          l.target(), l.policy());
    }
    List<String> keep = next.listeners().stream().map(ListenerConfig::name).toList();
    for (RunningListener r : List.copyOf(running)) {
      if (!keep.contains(r.config().name())) {
        running.remove(r);
        retire.accept(r);
        log.info("reload: listener '{}' removed", r.config().name());
      }
    }
  }

  /** Undoes {@link #prepare}: new listeners retired, handed-over ports taken back. */
  private void rollback() {
    for (Swap s : swaps) {
      retire.accept(s.fresh());
    }
    for (RunningListener old : handedOver) {
      try {
        awaitReleased(old.localAddress());
        old.resumeAccepting();
      } catch (IllegalStateException e) {
        log.error("reload rolled back, but listener '{}' cannot listen on {} again: {}; restart the proxy",
            old.config().name(), old.localAddress(), e.getMessage());
      }
    }
    swaps.clear();
    certificates.clear();
    handedOver.clear();
  }

  /**
   * Waits (at most {@link #RELEASE_WAIT_MILLIS}) until a listening socket just closed has really
   * given its port back: NIO closes the descriptor of a channel registered with a selector only at
   * the selector's next cycle, so binding the port again at once can fail although it is free.
   */
  private static void awaitReleased(InetSocketAddress address) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(RELEASE_WAIT_MILLIS);
    while (System.nanoTime() < deadline) {
      try (ServerSocket probe = new ServerSocket()) {
        probe.setReuseAddress(true);
        probe.bind(address);
        return;
      } catch (IOException stillBound) {
        try {
          Thread.sleep(10); // the reload thread, not an event loop: waiting for the selector's next cycle
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private @Nullable RunningListener find(String name) {
    for (RunningListener r : running) {
      if (r.config().name().equals(name)) {
        return r;
      }
    }
    return null;
  }
}
