package dev.keel.proxy.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.support.ProxyFixture;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A tcp listener's {@code policy}: least-connections (the default) spreads a client's connections
 * by the connection balancer; another policy places each connection itself, so ring-hash keeps
 * every connection of one client address on one instance.
 */
class TcpPolicyIntegrationTest {
  private static final int CONNECTIONS = 12;
  private static EventLoopGroup loops;
  private RegistryClient registry;
  private String uri;
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final List<EchoBackend> backends = new ArrayList<>();

  @BeforeAll
  static void loops() {
    loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  }

  @AfterAll
  static void stopLoops() {
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @BeforeEach
  void threeBackends() {
    uri = "memory://tcp-policy-" + UUID.randomUUID();
    registry = Registries.open(uri);
    for (String id : List.of("a", "b", "c")) {
      EchoBackend b = new EchoBackend(id, loops, false);
      b.register(registry, "demo");
      backends.add(b);
      toClose.add(b);
    }
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    registry.close();
  }

  @Test
  void ringHashPlacesEveryConnectionOfOneClientAddressOnOneInstance() throws Exception {
    List<Integer> accepted = connectAll("    policy: ring-hash\n");

    assertThat(accepted).as("connections accepted by a, b, c").containsOnly(0, CONNECTIONS).contains(CONNECTIONS);
  }

  @Test
  void leastConnectionsIsTheDefaultAndSpreadsThemEvenly() throws Exception {
    List<Integer> accepted = connectAll("");

    assertThat(accepted).as("connections accepted by a, b, c").containsExactly(4, 4, 4);
  }

  /** Opens {@link #CONNECTIONS} connections through a tcp listener with {@code extra}, keeps them open, and counts per backend. */
  private List<Integer> connectAll(String extra) throws Exception {
    ProxyFixture proxy = ProxyFixture.of(uri, "    protocol: tcp\n" + extra);
    toClose.add(proxy);
    RunningListener listener = proxy.server.listeners().get(0);
    await().atMost(Duration.ofSeconds(10))
        .until(() -> ((ConnectionSpread) listener).shares().stream().filter(ConnectionSpread.BackendShare::available).count() == 3);
    for (int i = 0; i < CONNECTIONS; i++) {
      Socket s = new Socket();
      toClose.add(s);
      s.setSoTimeout(10_000);
      s.connect(proxy.address(), 5_000);
      assertThat(EchoBackend.roundTrip(s, "ping " + i)).isEqualTo("ping " + i);
    }
    List<Integer> out = new ArrayList<>();
    for (EchoBackend b : backends) {
      out.add(b.accepted.get());
    }
    return out;
  }
}
