package dev.keel.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.keel.grpc.testing.Echo;
import dev.keel.grpc.testing.EchoServer;
import dev.keel.grpc.testing.Greeters;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@code keel} policy's configuration at work, on real grpc-netty servers and a memory:// registry. */
class KeelPolicyTest {
  private final Greeters greeters = new Greeters();

  @AfterEach
  void tearDown() throws Exception {
    greeters.close();
  }

  private EchoServer server(String name, Map<String, String> metadata) {
    return greeters.server(name, metadata);
  }

  private ManagedChannel channel(Map<String, ?> config) {
    return greeters.channel(greeters.target(), b -> b.defaultServiceConfig(KeelGrpc.serviceConfig(KeelGrpc.POLICY, config)));
  }

  private static Map<String, Integer> split(ManagedChannel channel, int calls, CallOptions options) {
    Map<String, Integer> split = new TreeMap<>();
    for (int i = 0; i < calls; i++) {
      try {
        split.merge(Echo.who(channel, options), 1, Integer::sum);
      } catch (StatusRuntimeException e) {
        split.merge(e.getStatus().getCode().name(), 1, Integer::sum);
      }
    }
    return split;
  }

  private static Map<String, Integer> split(ManagedChannel channel, int calls) {
    return split(channel, calls, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS));
  }

  @ParameterizedTest
  @ValueSource(strings = {"round-robin", "random", "least-request", "least-response-time", "ring-hash"})
  void everyKeelPolicyServesCalls(String policy) {
    server("a", Map.of());
    server("b", Map.of());
    ManagedChannel channel = channel(Map.of("policy", policy));
    await().atMost(Duration.ofSeconds(10)).until(() -> split(channel, 40).size() == 2); // ring-hash: random keys
  }

  @Test
  void anInstanceFailingCallsIsEjectedFromThePicks() {
    server("a", Map.of());
    server("b", Map.of()).failWith(Status.UNAVAILABLE.withDescription("overloaded"));
    ManagedChannel channel = channel(Map.of("outlierConsecutiveFailures", 3, "outlierMaxEjectionShare", 0.5,
        "outlierBaseEjectionTime", "1m"));
    await().atMost(Duration.ofSeconds(10)).until(() -> split(channel, 10).containsKey("a"));

    split(channel, 20); // b fails three in a row within these

    assertThat(split(channel, 100)).containsExactly(Map.entry("a", 100));
  }

  @Test
  void applicationErrorsAreAnswersNotInstanceFailures() {
    server("a", Map.of());
    server("b", Map.of()).failWith(Status.NOT_FOUND);
    ManagedChannel channel = channel(Map.of("outlierConsecutiveFailures", 3, "outlierMaxEjectionShare", 0.5));
    await().atMost(Duration.ofSeconds(10)).until(() -> split(channel, 10).containsKey("a"));

    split(channel, 40);

    assertThat(split(channel, 100)).containsOnlyKeys("a", "NOT_FOUND").allSatisfy((k, n) -> assertThat(n).isBetween(35, 65));
  }

  @Test
  void ringHashKeepsOneKeyOnOneInstance() {
    server("a", Map.of());
    server("b", Map.of());
    server("c", Map.of());
    ManagedChannel channel = channel(Map.of("policy", "ring-hash", "hashHeader", "x-user"));
    await().atMost(Duration.ofSeconds(10)).until(() -> split(channel, 30).size() == 3);

    Set<String> byOption = new HashSet<>(split(channel, 30,
        CallOptions.DEFAULT.withOption(KeelGrpc.HASH_KEY, "user-42").withDeadlineAfter(10, TimeUnit.SECONDS)).keySet());
    assertThat(byOption).hasSize(1);

    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("x-user", Metadata.ASCII_STRING_MARSHALLER), "user-7");
    io.grpc.Channel withHeader = io.grpc.ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    Set<String> byHeader = new HashSet<>();
    for (int i = 0; i < 30; i++) {
      byHeader.add(Echo.who(withHeader));
    }
    assertThat(byHeader).hasSize(1);
  }

  @Test
  void metadataLimitsTheCallsToMatchingInstances() {
    server("v1", Map.of("version", "1"));
    server("v2-a", Map.of("version", "2"));
    server("v2-b", Map.of("version", "2"));
    ManagedChannel channel = channel(Map.of("metadata", Map.of("version", "2")));
    await().atMost(Duration.ofSeconds(10)).until(() -> split(channel, 30).size() == 2);

    assertThat(split(channel, 100)).containsOnlyKeys("v2-a", "v2-b");
  }

  @Test
  void preferredInstancesTakeTheCallsWhileAnyIsConnected() throws Exception {
    EchoServer local = server("zone-a", Map.of("zone", "a"));
    server("zone-b", Map.of("zone", "b"));
    ManagedChannel channel = channel(Map.of("preferMetadata", Map.of("zone", "a")));
    await().atMost(Duration.ofSeconds(10)).until(() -> split(channel, 10).equals(Map.of("zone-a", 10)));

    local.stop();

    await().atMost(Duration.ofSeconds(10)).until(() -> split(channel, 10).equals(Map.of("zone-b", 10)));
  }

  @Test
  void aBadConfigFailsTheChannelBuildNamingTheKey() {
    assertThatThrownBy(() -> channel(Map.of("rebalanceTolerance", 2)))
        .isInstanceOf(IllegalStateException.class) // grpc-java: "Default config is invalid: ..."

        .hasMessageContaining("rebalanceTolerance: 2.0 (expected: 0.0..1.0)");
  }

  @Test
  void aTargetWhoseRegistryAdapterIsMissingFailsCallsNamingTheScheme() {
    ManagedChannel channel = greeters.channel("nacos://127.0.0.1:8848/greeter", b -> b.defaultLoadBalancingPolicy(KeelGrpc.POLICY));

    assertThatThrownBy(() -> Echo.who(channel)).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(e.getStatus().getDescription()).contains("registry uri scheme: 'nacos'");
    });
  }

  @Test
  void aTargetWithoutServiceFailsTheChannelBuild() {
    assertThatThrownBy(() -> greeters.channel(greeters.registryUri(), b -> b))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("has no service (expected: memory://hosts/SERVICE");
  }
}
