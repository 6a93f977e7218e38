package dev.keel.proxy.cli;

import dev.keel.proxy.ProxyServer;
import dev.keel.proxy.config.ConfigLoader;
import dev.keel.proxy.config.ProxyConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the config file into a running server on SIGHUP and when its content changes (checked
 * every second). A config that does not load or start is logged and the running one stays. All
 * reloads run on one daemon thread, so they never overlap.
 */
final class ConfigWatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);

  private final Path file;
  private final ProxyServer server;
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "keel-config-watch");
    t.setDaemon(true);
    return t;
  });
  private byte[] lastContent;

  ConfigWatcher(Path file, ProxyServer server) {
    this.file = file;
    this.server = server;
    this.lastContent = read();
  }

  void start() {
    thread.scheduleWithFixedDelay(this::checkFile, 1, 1, TimeUnit.SECONDS);
    try {
      Sighup.handle(() -> thread.execute(() -> reload("SIGHUP")));
    } catch (IllegalArgumentException | IllegalStateException e) {
      log.warn("SIGHUP cannot be handled here ({}); the config file is still watched", e.getMessage());
    }
  }

  private void checkFile() {
    byte[] now = read();
    if (now.length > 0 && !Arrays.equals(now, lastContent)) {
      reload("file change");
    }
  }

  private void reload(String why) {
    lastContent = read();
    try {
      ProxyConfig next = ConfigLoader.withSystemEnv().load(file);
      server.reload(next);
      log.info("config reloaded from {} ({})", file, why);
    } catch (RuntimeException e) {
      // ConfigException, or a listener that cannot start: the running config stays
      log.error("config not reloaded ({}): {}", why, e.getMessage());
    }
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
