package dev.keel.proxy.support;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The real runnable jar ({@code target/keel-proxy.jar}) in a process of its own, with its output
 * in a log file: for what only a process shows (signals, descriptor limits). Closing stops it.
 */
public final class ProxyProcess implements AutoCloseable {
  private final Process process;
  private final Path log;

  private ProxyProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  /** {@code keel-proxy --config config}, output to {@code log}. */
  public static ProxyProcess start(Path config, Path log) throws IOException {
    return start(config, log, 0);
  }

  /** As {@link #start(Path, Path)}, under {@code ulimit -n fileLimit} when that is above 0. */
  public static ProxyProcess start(Path config, Path log, int fileLimit) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    String jar = Path.of("target", "keel-proxy.jar").toString();
    ProcessBuilder pb = fileLimit > 0
        ? new ProcessBuilder("bash", "-c", "ulimit -n " + fileLimit + " && exec \"$0\" -jar \"$1\" --config \"$2\"", java, jar,
            config.toString())
        : new ProcessBuilder(java, "-jar", jar, "--config", config.toString());
    return new ProxyProcess(pb.redirectErrorStream(true).redirectOutput(log.toFile()).start(), log);
  }

  /** Sends SIGHUP (reload). */
  public void hangUp() throws IOException, InterruptedException {
    Process hup = new ProcessBuilder("kill", "-HUP", Long.toString(process.pid())).start();
    if (!hup.waitFor(10, TimeUnit.SECONDS) || hup.exitValue() != 0) {
      throw new IllegalStateException("kill -HUP " + process.pid() + " failed");
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** What the process has written so far. */
  public String log() throws IOException {
    return Files.readString(log);
  }

  /** A port free right now on loopback. */
  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Stops the process (SIGTERM), and kills it when it has not ended within 20 s or the wait is interrupted. */
  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
