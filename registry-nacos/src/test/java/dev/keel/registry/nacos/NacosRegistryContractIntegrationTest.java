package dev.keel.registry.nacos;

import static org.awaitility.Awaitility.await;

import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryHealth;
import dev.keel.registry.nacos.fixture.NacosRelay;
import dev.keel.registry.nacos.fixture.NacosServer;
import dev.keel.registry.tck.RegistryContract;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;

/**
 * The registry TCK against a real Nacos ({@link NacosServer#shared()}): every client reaches the
 * server through a {@link NacosRelay} of its own, so that a lost session is that client's gRPC
 * connection reset on the wire (the server drops what it registered; nacos-client reconnects and
 * redoes), and a restart is the server process stopped and started on the same ports.
 */
@Tag(NacosServer.TAG)
class NacosRegistryContractIntegrationTest extends RegistryContract {
  /** Closed at the start of the next case, once the case's clients (closed after it) are gone. */
  private static final List<NacosRelay> relays = new ArrayList<>();
  private final Map<RegistryClient, NacosRelay> relayOf = new ConcurrentHashMap<>();

  @BeforeEach
  void closeRelaysOfThePreviousCase() {
    synchronized (relays) {
      relays.forEach(NacosRelay::close);
      relays.clear();
    }
  }

  @AfterAll
  static void closeRelays() {
    synchronized (relays) {
      relays.forEach(NacosRelay::close);
      relays.clear();
    }
  }

  @Override
  protected RegistryClient newClient() {
    NacosRelay relay = NacosRelay.to(NacosServer.shared());
    synchronized (relays) {
      relays.add(relay);
    }
    RegistryClient client = NacosTestSupport.keel(relay.address()).build();
    relayOf.put(client, relay);
    return client;
  }

  @Override
  protected void restartServer() {
    NacosServer server = NacosServer.shared();
    if (!server.canRestart()) {
      unsupported("restarting the external Nacos of KEEL_NACOS_ADDR");
    }
    server.restart();
  }

  /**
   * Resets the client's gRPC connection at its relay and holds the link down until the client has
   * noticed (its {@code health()} turns unreachable); the server has dropped the connection's
   * instances by then. Then the link comes back and the client reconnects by itself.
   */
  @Override
  protected void loseSession(RegistryClient client) {
    NacosRelay relay = Objects.requireNonNull(relayOf.get(client), "a client newClient() made");
    relay.cut();
    try {
      await().atMost(timeout()).until(() -> client.health().state() == RegistryHealth.State.UNREACHABLE);
    } finally {
      relay.restore();
    }
  }
}
