package dev.keel.registry.nacos;

import static org.awaitility.Awaitility.await;

import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.api.naming.listener.EventListener;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.nacos.testserver.NacosTestServer;
import dev.keel.registry.tck.RegistryContract;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The registry TCK against the Nacos protocol emulator, unmodified nacos-client on the other side. */
class NacosRegistryContractIntegrationTest extends RegistryContract {
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
  protected RegistryClient newClient() {
    return NacosTestSupport.keel(server.address()).build();
  }

  @Override
  protected void restartServer() {
    server.restart();
  }

  /**
   * Drops the client's gRPC connection on the server. The connection is found by a subscription to a
   * service of a unique name made through the client's own NamingService.
   */
  @Override
  protected void loseSession(RegistryClient client) throws Exception {
    NamingService naming = NacosTestSupport.raw(client).namingService();
    String probe = "keel-probe-" + UUID.randomUUID();
    EventListener ignore = event -> { };
    naming.subscribe(probe, ignore);
    await().atMost(Duration.ofSeconds(10)).until(() -> !server.subscribersOf(probe).isEmpty());
    Set<String> ids = server.subscribersOf(probe);
    naming.unsubscribe(probe, ignore);
    ids.forEach(server::dropConnection);
  }
}
