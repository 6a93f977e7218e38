package dev.keel.registry.nacos;

import dev.keel.registry.nacos.testserver.NacosTestServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link NacosInteropContract} against the Nacos protocol emulator. */
class NacosInteropIntegrationTest extends NacosInteropContract {
  private static NacosTestServer server;

  @BeforeAll
  static void startServer() {
    server = NacosTestServer.start();
  }

  @AfterAll
  static void stopServer() {
    server.close();
  }

  @Override
  protected String serverAddr() {
    return server.address();
  }
}
