package dev.keel.spring;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.curator.test.TestingServer;
import org.jspecify.annotations.Nullable;

/**
 * One real ZooKeeper (Curator's in-JVM {@code TestingServer}, on a free port) shared by every test
 * class of this module, started on first use and stopped when the test JVM exits. Tests keep apart
 * by service names of their own.
 */
final class SharedZooKeeper {
  private static @Nullable TestingServer server;

  private SharedZooKeeper() {}

  static synchronized TestingServer server() throws Exception {
    TestingServer running = server;
    if (running == null) {
      // The build points java.io.tmpdir into target/, which may not exist yet; TestingServer keeps its data there.
      Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
      TestingServer s = new TestingServer(true);
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        try {
          s.close();
        } catch (Exception e) {
          // the JVM is exiting; the data directory is under target/
        }
      }, "shared-zookeeper-stop"));
      server = s;
      running = s;
    }
    return running;
  }

  /** {@code zookeeper://127.0.0.1:port/basePath}. */
  static String uri(String basePath) throws Exception {
    return "zookeeper://127.0.0.1:" + server().getPort() + basePath;
  }
}
