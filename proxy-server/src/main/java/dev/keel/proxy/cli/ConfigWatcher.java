package dev.keel.proxy.cli;

import dev.keel.proxy.ProxyServer;
import dev.keel.proxy.config.ConfigFiles;
import dev.keel.proxy.config.ConfigLoader;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.config.ProxyConfig;
import dev.keel.proxy.tls.TlsMaterial;
import dev.keel.registry.internal.LogSafe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the config file into a running server on SIGHUP and when its content, or the content of
 * a certificate, key or CA file it names, changes (checked every second): a certificate renewed on
 * disk is picked up without a signal. A reload is all or nothing ({@link ProxyServer#reload}); one
 * that does not load or start is logged and everything running stays. A config file that any user
 * of the machine may write ({@link ConfigFiles#writableByOthers}) is not reloaded at all. All
 * reloads run on one daemon thread, so they never overlap.
 */
final class ConfigWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);
  /** Longest config error or warning logged whole: they name files, lines and what was expected. */
  static final int CONFIG_MESSAGE_CHARS = 2000;
  /** A SIGHUP caught by {@link #holdHangUps} before {@link #start}. */
  private static final AtomicBoolean EARLY_HANGUP = new AtomicBoolean();

  private final Path file;
  private final ProxyServer server;
  private final @Nullable Path pluginPath;
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "keel-config-watch");
    t.setDaemon(true);
    return t;
  });
  private byte[] lastContent;
  private String lastTls;

  ConfigWatcher(Path file, ProxyServer server) {
    this(file, server, null);
  }

  /** @param pluginPath {@code --plugin-path}, or null: reloads compare the file's plug-in directory with it */
  ConfigWatcher(Path file, ProxyServer server, @Nullable Path pluginPath) {
    this.file = file;
    this.server = server;
    this.pluginPath = pluginPath;
    this.lastContent = read();
    this.lastTls = tlsFingerprint();
  }

  /**
   * Takes SIGHUP from now on, before the server starts: otherwise a SIGHUP in the moment between the
   * listeners serving and {@link #start} reaches the JVM's own handler, which shuts the process down
   * (a reload sent right after a start, as a service manager may). {@link #start} acts on one caught here.
   */
  static void holdHangUps() {
    try {
      Sighup.handle(() -> EARLY_HANGUP.set(true));
    } catch (IllegalArgumentException | IllegalStateException e) {
      // start() says so
    }
  }

  void start() {
    thread.scheduleWithFixedDelay(() -> checkFiles(), 1, 1, TimeUnit.SECONDS);
    Runnable onHangUp = () -> thread.execute(() -> {
      server.reopenAccessLogs(); // even when the reload is refused: logrotate moved the files
      reload("SIGHUP");
    });
    try {
      Sighup.handle(onHangUp);
    } catch (IllegalArgumentException | IllegalStateException e) {
      log.warn("SIGHUP cannot be handled here ({}); the config file is still watched", e.getMessage());
    }
    if (EARLY_HANGUP.getAndSet(false)) {
      onHangUp.run();
    }
  }

  /** What a poll or a signal did. */
  enum Outcome { UNCHANGED, APPLIED, REFUSED }

  /** One poll: reloads when the config or a TLS file it names changed. */
  Outcome checkFiles() {
    byte[] now = read();
    if (now.length > 0 && !Arrays.equals(now, lastContent)) {
      return reload("file change");
    } else if (!tlsFingerprint().equals(lastTls)) {
      return reload("TLS file change");
    }
    return Outcome.UNCHANGED;
  }

  /** Reloads now: applied, or refused with everything running left as it was. */
  Outcome reload(String why) {
    lastContent = read();
    lastTls = tlsFingerprint();
    String writable = ConfigFiles.writableByOthers(file);
    if (writable != null) {
      log.error("config not reloaded ({}): {}: a reload would let any of them reconfigure this proxy", why, writable);
      return Outcome.REFUSED;
    }
    try {
      ConfigLoader.Loaded next = ConfigLoader.withSystemEnv().withPluginPath(pluginPath).withLoadedPlugins(server.plugins()).read(file);
      next.warnings().forEach(w -> log.warn("{}", LogSafe.escape(w, CONFIG_MESSAGE_CHARS)));
      server.reload(next.config());
      lastTls = tlsFingerprint(); // of the files the new config names
      log.info("config reloaded from {} ({})", file, why);
      return Outcome.APPLIED;
    } catch (RuntimeException e) {
      // ConfigException, a file that cannot be used or a listener that cannot bind: nothing changed
      log.error("config not reloaded ({}): {}", why, LogSafe.escape(e.getMessage(), CONFIG_MESSAGE_CHARS));
      return Outcome.REFUSED;
    }
  }

  /** A digest of the TLS files the running config names. */
  private String tlsFingerprint() {
    ProxyConfig running = server.config();
    StringBuilder b = new StringBuilder();
    for (ListenerConfig l : running.listeners()) {
      if (l.tls() != null || l.upstream().tls() != null) {
        b.append(TlsMaterial.fingerprint(l.tls(), l.upstream().tls()));
      }
    }
    return b.toString();
  }

  private byte[] read() {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      return new byte[0];
    }
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
