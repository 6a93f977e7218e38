package dev.keel.proxy;

import dev.keel.proxy.admin.AdminServer;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.config.ProxyConfig;
import dev.keel.proxy.listener.FileDescriptors;
import dev.keel.proxy.listener.ListenerEnvironment;
import dev.keel.proxy.listener.ListenerKinds;
import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.transport.Transport;
import dev.keel.proxy.plugin.Plugins;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryOptions;
import io.netty.channel.EventLoopGroup;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running proxy: the registry client, the event loops, every listener and the admin listener of
 * one {@link ProxyConfig}. {@link #start} binds everything or nothing; {@link #close} stops
 * accepting, lets in-flight exchanges finish up to the configured grace, then closes all.
 *
 * <p>Thread-safe; start and close are not meant to race.
 */
public final class ProxyServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

  private volatile ProxyConfig config;
  private final RegistryClient registry;
  private final Transport transport;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  /** Live: the admin listener reads it; reload swaps entries. */
  private final List<RunningListener> listeners;
  private final List<RunningListener> retiring = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final ListenerEnvironment env;
  private final @Nullable AdminServer admin;
  private final Plugins plugins;
  private volatile boolean closed;
  private final java.util.concurrent.CompletableFuture<Void> terminated = new java.util.concurrent.CompletableFuture<>();

  private ProxyServer(ProxyConfig config, RegistryClient registry, ListenerEnvironment env, List<RunningListener> listeners,
      @Nullable AdminServer admin) {
    this.plugins = env.plugins();
    this.config = config;
    this.registry = registry;
    this.transport = env.transport();
    this.boss = env.boss();
    this.workers = env.workers();
    this.listeners = listeners;
    this.admin = admin;
    this.env = env;
  }

  /**
   * Starts {@code config} without plug-ins.
   *
   * @throws IllegalArgumentException or IllegalStateException naming what could not be started
   */
  public static ProxyServer start(ProxyConfig config) {
    return start(config, Plugins.none());
  }

  /**
   * Starts {@code config} with {@code plugins} (the policies and registry adapters they bring). The
   * plug-ins stay the caller's: close them after {@link #close}.
   *
   * @throws IllegalArgumentException or IllegalStateException naming what could not be started
   */
  public static ProxyServer start(ProxyConfig config, Plugins plugins) {
    for (ListenerConfig l : config.listeners()) {
      ListenerKinds.forConfig(l);
    }
    if (!plugins.jars().isEmpty()) {
      log.info("plug-ins from {}: {}", plugins.directory(), plugins.jars().stream()
          .map(j -> j.file() + (j.policies().isEmpty() ? "" : " policies " + j.policies())
              + (j.registries().isEmpty() ? "" : " registries " + j.registries())).toList());
    }
    Transport.Choice choice = Transport.best(Transport.spliceRequested());
    Transport transport = choice.transport();
    RegistryClient registry = Registries.open(config.registry(), RegistryOptions.defaults(), plugins.classLoader());
    EventLoopGroup boss = transport.newGroup(1, "keel-accept");
    EventLoopGroup workers = transport.newGroup(config.effectiveWorkers(), "keel-io");
    List<RunningListener> running = new java.util.concurrent.CopyOnWriteArrayList<>();
    AdminServer admin = null;
    ListenerEnvironment env = new ListenerEnvironment(transport, boss, workers, registry, FileDescriptors.system(), plugins);
    try {
      for (ListenerConfig l : config.listeners()) {
        RunningListener r = ListenerKinds.forConfig(l).start(l, env);
        running.add(r);
        log.info("{} listener '{}' on {} -> {} ({})", l.protocol(), l.name(), r.localAddress(), l.target(), l.policy());
      }
      if (config.admin().listen() != null) {
        admin = AdminServer.start(config.admin(), transport, boss, workers, running, registry, plugins);
        log.info("admin on http://{}/", hostPort(admin.localAddress()));
      }
    } catch (RuntimeException e) {
      running.forEach(RunningListener::close);
      boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      registry.close();
      throw e;
    }
    long sinceJvmStart = ProcessHandle.current().info().startInstant()
        .map(t -> java.time.Duration.between(t, java.time.Instant.now()).toMillis()).orElse(-1L);
    log.info("keel-proxy started in {} ms: transport {} ({}), {} worker threads", sinceJvmStart, transport, choice.reason(),
        config.effectiveWorkers());
    return new ProxyServer(config, registry, env, running, admin);
  }

  private static String hostPort(InetSocketAddress a) {
    return a.getHostString() + ":" + a.getPort();
  }

  public ProxyConfig config() {
    return config;
  }

  /** The plug-ins the proxy started with; a reload keeps them. */
  public Plugins plugins() {
    return plugins;
  }

  public Transport transport() {
    return transport;
  }

  public List<RunningListener> listeners() {
    return listeners;
  }

  /** The address of listener {@code name}. */
  public InetSocketAddress address(String name) {
    for (RunningListener r : listeners) {
      if (r.config().name().equals(name)) {
        return r.localAddress();
      }
    }
    throw new IllegalArgumentException("listener: '" + name + "' (expected one of the configured names)");
  }

  public @Nullable InetSocketAddress adminAddress() {
    return admin == null ? null : admin.localAddress();
  }

  /**
   * Applies {@code next}, all or nothing, without dropping established connections: see
   * {@link Reload}. Unchanged listeners stay and get their TLS files re-read (certificate
   * rotation); a changed or new one is bound beside the old one; a changed or removed one stops
   * accepting, asks its connections to close after their current exchange, and is closed once
   * they are gone or the shutdown grace has passed. Registry, admin and worker changes need a
   * restart (logged). Not concurrent with itself.
   *
   * @throws IllegalArgumentException or IllegalStateException when anything of {@code next} cannot
   *     be used or bound; then every running listener, certificate and port is as it was
   */
  public synchronized void reload(ProxyConfig next) {
    if (closed) {
      return;
    }
    ProxyConfig current = config;
    try {
      new Reload(listeners, env, this::retire).prepare(next).commit(next);
    } finally {
      reopenAccessLogs(); // applied or refused: a reload also serves logrotate
    }
    if (!next.registry().equals(current.registry()) || !next.admin().equals(current.admin())
        || next.workers() != current.workers() || !java.util.Objects.equals(next.pluginPath(), current.pluginPath())) {
      log.warn("reload: registry, admin, workers and plugin-path changes take effect at the next restart");
    }
    config = next;
  }

  /**
   * Has every listener's access log open its file again by name, as logrotate's {@code postrotate}
   * asks with SIGHUP; lines already queued go to the new file. Never blocks.
   */
  public void reopenAccessLogs() {
    listeners.forEach(RunningListener::reopenAccessLog);
  }

  /** Stops accepting, drains, and closes {@code old} when its connections are gone or the grace ends. */
  private void retire(RunningListener old) {
    retiring.add(old);
    old.stopAccepting();
    old.drain();
    long deadline = System.nanoTime() + config.shutdownGrace().toNanos();
    Thread t = new Thread(() -> {
      while (System.nanoTime() < deadline && old.openConnections() > 0) {
        try {
          Thread.sleep(50);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          break;
        }
      }
      if (retiring.remove(old)) {
        old.close();
      }
    }, "keel-retire-" + old.config().name());
    t.setDaemon(true);
    t.start();
  }

  /** Graceful stop: stop accepting, finish in-flight exchanges up to the grace, then close all. */
  @Override
  public void close() {
    close(config.shutdownGrace());
  }

  /** Completes when {@link #close} has finished. */
  public java.util.concurrent.CompletionStage<Void> terminated() {
    return terminated;
  }

  public synchronized void close(Duration grace) {
    if (closed) {
      return;
    }
    closed = true;
    listeners.forEach(RunningListener::stopAccepting);
    listeners.forEach(RunningListener::drain);
    long deadline = System.nanoTime() + grace.toNanos();
    while (System.nanoTime() < deadline && listeners.stream().anyMatch(l -> l.openConnections() > 0)) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    listeners.forEach(RunningListener::close);
    retiring.forEach(RunningListener::close);
    if (admin != null) {
      admin.close();
    }
    registry.close();
    boss.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    terminated.complete(null);
    log.info("keel-proxy stopped in {} ms", (System.nanoTime() - deadline + grace.toNanos()) / 1_000_000);
  }
}
