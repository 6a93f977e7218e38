package dev.keel.examples.demo;

import java.io.File;
import java.io.IOException;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;

/** A real ZooKeeper server in this JVM (Curator's {@link TestingServer}) on a free loopback port. */
final class EmbeddedZooKeeper implements AutoCloseable {
  private final TestingServer server;

  EmbeddedZooKeeper(File dataDir) throws Exception {
    // no ZooKeeper admin web server (it would take port 8080), no JMX beans
    System.setProperty("zookeeper.admin.enableServer", "false");
    System.setProperty("zookeeper.jmx.log4j.disable", "true");
    InstanceSpec spec = new InstanceSpec(dataDir, ProxyProcess.freePort(), -1, -1, true, -1, 2000, -1, null, "127.0.0.1");
    this.server = new TestingServer(spec, true);
  }

  /** The registry URI of this server for Keel's ZooKeeper adapter. */
  String registryUri() {
    return "zookeeper://127.0.0.1:" + server.getPort() + "/services";
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
