package dev.keel.proxy.tcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.proxy.support.ProxyFixture;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A member whose registration flaps (gone from discovery and back, its connections never dropped)
 * keeps its connection count: the counters are kept per instance id, not per snapshot, so the spread
 * stays even and nothing is shed (piko#322, apisix#7301).
 */
class TcpFlappingMemberIntegrationTest {
  @Test
  void aFlappingMemberKeepsItsCountAndCausesNoShedding() throws Exception {
    String uri = "memory://tcp-flap-" + UUID.randomUUID();
    EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    List<EchoBackend> backends = new ArrayList<>();
    try (RegistryClient registry = Registries.open(uri)) {
      for (int i = 0; i < 3; i++) {
        EchoBackend b = new EchoBackend("f" + i, loops, false);
        b.register(registry, "demo");
        backends.add(b);
      }
      try (ProxyFixture proxy = ProxyFixture.of(uri, "    protocol: tcp\n"
              + "    rebalance: { tolerance: 0.05, settle: 300ms, max-shed-per-second: 100 }\n");
          ReconnectingClients clients = new ReconnectingClients(loops, proxy.address(), 50, 150)) {
        ConnectionSpread spread = (ConnectionSpread) proxy.server.listeners().get(0);
        clients.start(30);
        await().atMost(Duration.ofSeconds(10)).until(() -> backends.stream().allMatch(b -> b.open.get() == 10));

        EchoBackend flapping = backends.get(0);
        for (int i = 0; i < 5; i++) {
          flapping.deregister();
          await().atMost(Duration.ofSeconds(5)).until(() -> spread.shares().stream().noneMatch(s -> s.id().equals("f0")));
          flapping.register(registry, "demo");
          await().atMost(Duration.ofSeconds(5)).until(() -> spread.shares().stream().anyMatch(s -> s.id().equals("f0") && s.available()));
        }
        // Past the settle window, several shedding rounds: the spread is even, so none may shed.
        await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(5))
            .until(() -> spread.tcpStats().sheds() == 0 && clients.closes.get() == 0);
        assertThat(spread.shares()).extracting(ConnectionSpread.BackendShare::activeConnections).containsExactly(10, 10, 10);
        assertThat(spread.evenness().maxOverShare()).isEqualTo(1.0);
        assertThat(spread.tcpStats().sheds()).isZero();
        assertThat(clients.closes.get()).isZero();
        assertThat(backends).allSatisfy(b -> assertThat(b.open.get()).isEqualTo(10));
      }
    } finally {
      for (EchoBackend b : backends) {
        b.close();
      }
      loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }
}
