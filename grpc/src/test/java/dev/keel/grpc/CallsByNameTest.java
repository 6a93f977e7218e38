package dev.keel.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.grpc.testing.Echo;
import dev.keel.grpc.testing.EchoServer;
import dev.keel.grpc.testing.Greeters;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** memory:// targets and real grpc-netty servers on loopback: resolution, the watch, the policies. */
class CallsByNameTest {
  private final Greeters greeters = new Greeters();

  @AfterEach
  void tearDown() throws Exception {
    greeters.close();
  }

  private EchoServer server(String name) {
    return greeters.server(name, Map.of());
  }

  private ManagedChannel channel(String target, String policy) {
    return greeters.channel(target, b -> b.defaultLoadBalancingPolicy(policy));
  }

  private static Map<String, Integer> split(ManagedChannel channel, int calls) {
    Map<String, Integer> split = new TreeMap<>();
    for (int i = 0; i < calls; i++) {
      split.merge(Echo.who(channel), 1, Integer::sum);
    }
    return split;
  }

  @Test
  void callsByNameSpreadOverEveryInstanceWithTheKeelPolicy() {
    server("a");
    server("b");
    server("c");
    ManagedChannel channel = channel(greeters.target(), KeelGrpc.POLICY);

    await().atMost(Duration.ofSeconds(10)).until(() -> split(channel, 30).size() == 3);
    assertThat(split(channel, 300)).containsOnlyKeys("a", "b", "c")
        .allSatisfy((name, n) -> assertThat(n).isBetween(80, 120));
  }

  @Test
  void followsTheWatchAsInstancesComeAndGo() throws Exception {
    EchoServer a = server("a");
    ManagedChannel channel = channel(greeters.target(), KeelGrpc.POLICY);
    assertThat(Echo.who(channel)).isEqualTo("a");

    server("b");
    await().atMost(Duration.ofSeconds(10)).until(() -> split(channel, 20).containsKey("b"));

    a.stop();
    await().atMost(Duration.ofSeconds(10)).until(() -> split(channel, 20).keySet().equals(java.util.Set.of("b")));
  }

  @Test
  void aChannelOverTheApplicationsRegistryClientLeavesItOpen() throws Exception {
    server("a");
    ManagedChannel channel = KeelGrpc.channelBuilder(greeters.registry(), "greeter", InsecureChannelCredentials.create())
        .defaultLoadBalancingPolicy(KeelGrpc.POLICY).build();
    assertThat(Echo.who(channel)).isEqualTo("a");
    assertThat(channel.authority()).isEqualTo("greeter");
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);

    assertThat(greeters.registry().resolve("greeter").instances()).hasSize(1); // still usable: not closed by the channel
  }

  @Test
  void aServiceWithoutInstancesFailsFastNamingIt() {
    ManagedChannel channel = channel(greeters.registryUri() + "/nobody", KeelGrpc.POLICY);

    assertThatThrownBy(() -> Echo.who(channel))
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
          assertThat(e.getStatus().getDescription()).contains("'nobody'");
        });
  }

  @Test
  void aStaticTargetListsItsHostsWithEncodedColons() {
    EchoServer a = server("a");
    EchoServer b = server("b");
    ManagedChannel channel = channel("static://127.0.0.1%3A" + a.port() + ",127.0.0.1%3A" + b.port() + "/greeter",
        KeelGrpc.POLICY);
    await().atMost(Duration.ofSeconds(10)).until(() -> split(channel, 20).size() == 2);
  }

  @Test
  void pickFirstAndRoundRobinWorkOverKeelTargetsToo() {
    server("a");
    server("b");
    ManagedChannel rr = channel(greeters.target(), "round_robin");
    await().atMost(Duration.ofSeconds(10)).until(() -> split(rr, 20).size() == 2);
    ManagedChannel pf = channel(greeters.target(), "pick_first");
    assertThat(split(pf, 20)).hasSize(1);
  }
}
