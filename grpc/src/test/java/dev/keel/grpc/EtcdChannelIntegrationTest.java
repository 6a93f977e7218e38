package dev.keel.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.grpc.testing.Echo;
import dev.keel.grpc.testing.EchoServer;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.etcd.EtcdServerExtension;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** etcd:// targets against a real etcd (Debian's etcd-server on free loopback ports). */
class EtcdChannelIntegrationTest {
  @RegisterExtension
  static final EtcdServerExtension ETCD = new EtcdServerExtension();

  private static Set<String> answering(ManagedChannel channel, int calls) {
    Set<String> names = new HashSet<>();
    for (int i = 0; i < calls; i++) {
      names.add(Echo.who(channel));
    }
    return names;
  }

  @Test
  void callsByNameThroughEtcdFollowTheWatch() throws Exception {
    String registryUri = "etcd://127.0.0.1:" + ETCD.clientPort() + "?prefix=/grpc-test";
    try (RegistryClient registry = Registries.open(registryUri)) {
      EchoServer a = new EchoServer("a", registry, "greeter", Map.of(), Duration.ofMillis(200)).start();
      EchoServer b = new EchoServer("b", registry, "greeter", Map.of(), Duration.ofMillis(200)).start();
      ManagedChannel channel = Grpc.newChannelBuilder(
              "etcd://127.0.0.1:" + ETCD.clientPort() + "/greeter?prefix=/grpc-test", InsecureChannelCredentials.create())
          .defaultLoadBalancingPolicy(KeelGrpc.POLICY).build();
      try {
        await().atMost(Duration.ofSeconds(15)).until(() -> answering(channel, 20).equals(Set.of("a", "b")));

        a.stop();
        assertThat(answering(channel, 40)).containsExactly("b"); // deregistered before it stopped: no failure

        a.start();
        await().atMost(Duration.ofSeconds(15)).until(() -> answering(channel, 20).equals(Set.of("a", "b")));
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        a.close();
        b.close();
      }
    }
  }
}
