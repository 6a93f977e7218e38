package dev.keel.grpc.internal;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.grpc.KeelGrpc;
import dev.keel.grpc.testing.FakeHelper;
import dev.keel.grpc.testing.FakeHelper.FakeSubchannel;
import dev.keel.registry.InstanceSet;
import dev.keel.registry.Registration;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import io.grpc.Attributes;
import io.grpc.ConnectivityState;
import io.grpc.LoadBalancer;
import io.grpc.Status;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code keel_connection} against fake channels and a memory:// registry: placement and make-before-break. */
class KeelConnectionLoadBalancerTest {
  private final RegistryClient registry = Registries.open("memory://connection-lb-" + System.nanoTime() + "?empty-protection=false");
  private final ConnectionGroups groups = new ConnectionGroups();
  private final Map<String, Registration> registered = new HashMap<>();

  @AfterEach
  void tearDown() {
    registry.close();
  }

  private void register(String id, int port) {
    registered.put(id, registry.register(ServiceInstance.builder().service("orders").id(id).host("127.0.0.1").port(port).build()));
  }

  /** A channel's balancer, given what a Keel resolver would hand it now. */
  private KeelConnectionLoadBalancer channel(FakeHelper helper) {
    KeelConnectionLoadBalancer lb = new KeelConnectionLoadBalancer(helper, groups);
    InstanceSet set = registry.resolve("orders");
    LoadBalancer.ResolvedAddresses resolved = LoadBalancer.ResolvedAddresses.newBuilder()
        .setAddresses(new InstanceAddresses().toAddresses(set))
        .setAttributes(Attributes.newBuilder().set(ResolvedService.KEY, new ResolvedService(registry, "orders", set)).build())
        .setLoadBalancingPolicyConfig(KeelLbConfig.parse(Map.of("rebalanceSettle", "0s")))
        .build();
    helper.getSynchronizationContext().execute(() -> lb.acceptResolvedAddresses(resolved));
    return lb;
  }

  private static String instanceOf(FakeSubchannel s) {
    return s.getAttributes().get(KeelGrpc.INSTANCE).id();
  }

  @Test
  void channelsOfOneProcessShareOneGroupAndArePlacedApart() {
    register("a", 1001);
    register("b", 1002);
    FakeHelper one = new FakeHelper("orders");
    FakeHelper two = new FakeHelper("orders");
    channel(one);
    channel(two);

    assertThat(groups.size()).isEqualTo(1);
    assertThat(one.subchannels()).hasSize(1);
    assertThat(two.subchannels()).hasSize(1);
    assertThat(instanceOf(one.subchannels().get(0))).isNotEqualTo(instanceOf(two.subchannels().get(0)));
    assertThat(one.state()).isEqualTo(ConnectivityState.CONNECTING);
    one.subchannels().get(0).set(ConnectivityState.READY);
    assertThat(one.state()).isEqualTo(ConnectivityState.READY);
    assertThat(one.pick()).isSameAs(one.subchannels().get(0));
  }

  /** A channel READY on a, then a deregistered with b there: returns once the replacement exists. */
  private FakeSubchannel connectedToAThenADeregistered(FakeHelper helper) {
    register("a", 1001);
    channel(helper);
    FakeSubchannel old = helper.subchannels().get(0);
    old.set(ConnectivityState.READY);
    register("b", 1002);
    requireNonNull(registered.get("a")).close();
    await().atMost(Duration.ofSeconds(10)).until(() -> helper.subchannels().size() == 2);
    return old;
  }

  @Test
  void leavingADeregisteredInstanceConnectsTheReplacementBeforeDroppingTheOldConnection() {
    FakeHelper helper = new FakeHelper("orders");
    FakeSubchannel old = connectedToAThenADeregistered(helper);
    FakeSubchannel replacement = helper.subchannels().get(1);
    assertThat(instanceOf(replacement)).isEqualTo("b");
    assertThat(helper.pick()).as("RPCs stay on the old connection while the new one connects").isSameAs(old);
    assertThat(old.isShutdown()).isFalse();

    replacement.set(ConnectivityState.READY);

    assertThat(helper.pick()).isSameAs(replacement);
    assertThat(old.isShutdown()).isTrue();
  }

  @Test
  void aReplacementThatCannotConnectIsDroppedAndTheOldConnectionKept() {
    FakeHelper helper = new FakeHelper("orders");
    FakeSubchannel old = connectedToAThenADeregistered(helper);
    FakeSubchannel replacement = helper.subchannels().get(1);

    replacement.fail(Status.UNAVAILABLE.withDescription("connection refused"));

    assertThat(replacement.isShutdown()).isTrue();
    assertThat(old.isShutdown()).isFalse();
    assertThat(helper.state()).isEqualTo(ConnectivityState.READY);
    assertThat(helper.pick()).isSameAs(old);
  }

  @Test
  void theLastChannelToLeaveShutsTheGroupDown() {
    register("a", 1001);
    FakeHelper one = new FakeHelper("orders");
    FakeHelper two = new FakeHelper("orders");
    KeelConnectionLoadBalancer first = channel(one);
    KeelConnectionLoadBalancer second = channel(two);

    one.getSynchronizationContext().execute(first::shutdown);
    assertThat(groups.size()).isEqualTo(1);
    assertThat(one.subchannels().get(0).isShutdown()).isTrue();
    two.getSynchronizationContext().execute(second::shutdown);
    assertThat(groups.size()).isZero();
  }
}
