package dev.keel.registry.zookeeper;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.tck.RegistryContract;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The registry TCK against a real ZooKeeper (Curator's in-JVM {@link TestingServer}), with
 * {@code TestingServer.restart()} for the server restart and a server-side session expiry for the
 * lost session.
 */
class ZooKeeperRegistryContractTest extends RegistryContract {
  private static TestingServer server;

  @BeforeAll
  static void startServer() throws Exception {
    server = ZooKeeperTesting.startServer();
  }

  @AfterAll
  static void stopServer() throws Exception {
    server.close();
  }

  @Override
  protected RegistryClient newClient() {
    return Registries.open("zookeeper://" + server.getConnectString() + "/keel-tck?session-timeout=20s");
  }

  @Override
  protected void restartServer() throws Exception {
    server.restart();
  }

  @Override
  protected void loseSession(RegistryClient client) throws Exception {
    ZooKeeperTesting.expireOnServer(ZooKeeperTesting.raw(client).curator(), server.getConnectString());
  }
}
