package dev.keel.reliability.support;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.curator.test.TestingServer;

/** An in-JVM ZooKeeper (curator-test) on a free loopback port; its data dir lives under target/. */
public final class Zk {
  private Zk() {}

  public static TestingServer start() throws Exception {
    Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
    return new TestingServer(true);
  }

  /** The registry URI of {@code server}'s {@code /services}, with short timeouts and extra parameters. */
  public static String uri(TestingServer server, String extraParams) {
    return "zookeeper://127.0.0.1:" + server.getPort() + "/services?connection-timeout=1s&resolve-timeout=2s"
        + (extraParams.isEmpty() ? "" : "&" + extraParams);
  }
}
