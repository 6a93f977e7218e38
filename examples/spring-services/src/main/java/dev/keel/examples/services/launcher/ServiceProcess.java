package dev.keel.examples.services.launcher;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One service as its own JVM, started with this JVM's class path; its output goes to a log file.
 * It can be killed ({@code SIGKILL}: no shutdown, no deregistration) and started again with the same
 * arguments, port included, so that it comes back as the same instance.
 */
final class ServiceProcess implements AutoCloseable {
  final String name;
  final int port;
  private final List<String> command;
  private final Path log;
  private Process process;

  ServiceProcess(String name, int port, Path logDir, String mainClass, String... args) {
    this.name = name;
    this.port = port;
    this.log = logDir.resolve(name + ".log");
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx192m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
        "-Dkeel.example.parent=" + ProcessHandle.current().pid(),
        "-cp", System.getProperty("java.class.path"), mainClass));
    cmd.addAll(List.of(args));
    this.command = List.copyOf(cmd);
  }

  /** A Spring Boot service of this example: its name, instance, port and registry on the command line. */
  static ServiceProcess spring(String service, String instance, int port, String registryUri, Path logDir,
      Class<?> application) {
    return new ServiceProcess(instance, port, logDir, application.getName(), "--spring.application.name=" + service,
        "--example.instance=" + instance, "--server.port=" + port, "--keel.registry.uri=" + registryUri);
  }

  synchronized void start() throws IOException {
    if (process != null && process.isAlive()) {
      return;
    }
    process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
  }

  /** SIGKILL, as a crash: the registry learns of it only when the session times out. */
  synchronized void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }

  synchronized boolean alive() {
    return process != null && process.isAlive();
  }

  /** The last lines of its log, for a failure message. */
  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** SIGTERM (graceful: deregisters first), then SIGKILL after 30 s. */
  @Override
  public synchronized void close() throws InterruptedException {
    if (process == null) {
      return;
    }
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }
  }
}
