package dev.keel.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.balancer.Endpoint;
import dev.keel.grpc.KeelGrpc;
import dev.keel.grpc.testing.FakeHelper;
import dev.keel.grpc.testing.FakeHelper.FakeSubchannel;
import dev.keel.registry.ServiceInstance;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.ClientStreamTracer;
import io.grpc.ConnectivityState;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.Metadata;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The per-RPC policy against a fake channel: states, picks and reports, deterministically. */
class KeelLoadBalancerTest {
  private final FakeHelper helper = new FakeHelper("orders");
  private final KeelLoadBalancer lb = new KeelLoadBalancer(helper);

  private static EquivalentAddressGroup address(String id, int port, int weight) {
    ServiceInstance i = ServiceInstance.builder().service("orders").id(id).host("127.0.0.1").port(port).weight(weight).build();
    return new EquivalentAddressGroup(new InetSocketAddress("127.0.0.1", port), Attributes.newBuilder().set(KeelGrpc.INSTANCE, i).build());
  }

  private void resolve(Map<String, ?> config, EquivalentAddressGroup... groups) {
    LoadBalancer.ResolvedAddresses resolved = LoadBalancer.ResolvedAddresses.newBuilder()
        .setAddresses(List.of(groups)).setLoadBalancingPolicyConfig(KeelLbConfig.parse(config)).build();
    helper.getSynchronizationContext().execute(() -> lb.acceptResolvedAddresses(resolved));
  }

  private Set<FakeSubchannel> picks(int n) {
    Set<FakeSubchannel> seen = new HashSet<>();
    for (int i = 0; i < n; i++) {
      seen.add(helper.pick());
    }
    return seen;
  }

  @Test
  void picksOnlyAmongReadySubchannelsAndBuffersUntilOneIs() {
    resolve(Map.of(), address("a", 1001, 100), address("b", 1002, 100));
    List<FakeSubchannel> subs = helper.subchannels();
    assertThat(subs).hasSize(2).allSatisfy(s -> assertThat(s.connectionRequests()).isEqualTo(1));
    assertThat(helper.state()).isEqualTo(ConnectivityState.CONNECTING);
    assertThat(helper.picker().pickSubchannel(FakeHelper.args(CallOptions.DEFAULT)).hasResult()).isFalse();

    subs.get(0).set(ConnectivityState.READY);
    assertThat(helper.state()).isEqualTo(ConnectivityState.READY);
    assertThat(picks(20)).containsExactly(subs.get(0));

    subs.get(1).set(ConnectivityState.READY);
    assertThat(picks(20)).containsExactlyInAnyOrder(subs.get(0), subs.get(1));
  }

  @Test
  void aDroppedConnectionLeavesThePicksAtOnceAndReconnects() {
    resolve(Map.of(), address("a", 1001, 100), address("b", 1002, 100));
    List<FakeSubchannel> subs = helper.subchannels();
    subs.forEach(s -> s.set(ConnectivityState.READY));

    subs.get(0).set(ConnectivityState.IDLE); // GOAWAY from the server

    assertThat(subs.get(0).connectionRequests()).isEqualTo(2);
    assertThat(picks(20)).containsExactly(subs.get(1));
  }

  @Test
  void everyConnectionFailedIsTransientFailureWithTheLastError() {
    resolve(Map.of(), address("a", 1001, 100));
    helper.subchannels().get(0).fail(Status.UNAVAILABLE.withDescription("connection refused"));

    assertThat(helper.state()).isEqualTo(ConnectivityState.TRANSIENT_FAILURE);
    assertThat(helper.picker().pickSubchannel(FakeHelper.args(CallOptions.DEFAULT)).getStatus().getDescription())
        .isEqualTo("connection refused");
  }

  @Test
  void noInstanceIsTransientFailureNamingTheServiceAndTheMetadataAsked() {
    resolve(Map.of("metadata", Map.of("version", "2")), address("a", 1001, 100));

    assertThat(helper.subchannels()).isEmpty();
    assertThat(helper.state()).isEqualTo(ConnectivityState.TRANSIENT_FAILURE);
    assertThat(helper.picker().pickSubchannel(FakeHelper.args(CallOptions.DEFAULT)).getStatus().getDescription())
        .isEqualTo("no instance of 'orders' with metadata {version=2}");
  }

  @Test
  void connectedInstancesOfWeightZeroAreNotAvailable() {
    resolve(Map.of(), address("a", 1001, 0));
    helper.subchannels().get(0).set(ConnectivityState.READY);

    assertThat(helper.state()).isEqualTo(ConnectivityState.TRANSIENT_FAILURE);
    assertThat(helper.picker().pickSubchannel(FakeHelper.args(CallOptions.DEFAULT)).getStatus().getDescription())
        .contains("weight 0");
  }

  @Test
  void aRemovedInstanceIsShutDownAndAChangedWeightKeepsTheConnection() {
    resolve(Map.of(), address("a", 1001, 100), address("b", 1002, 100));
    List<FakeSubchannel> subs = new ArrayList<>(helper.subchannels());
    subs.forEach(s -> s.set(ConnectivityState.READY));

    resolve(Map.of(), address("a", 1001, 300));

    assertThat(subs.get(1).isShutdown()).isTrue();
    assertThat(subs.get(0).isShutdown()).isFalse();
    assertThat(helper.subchannels()).hasSize(2); // no new connection for a weight change
    assertThat(lb.balancer().state().members()).singleElement().satisfies(e -> assertThat(e.weight()).isEqualTo(300));
  }

  @Test
  void theRequestIsCountedFromStreamCreationToItsClose() {
    resolve(Map.of(), address("a", 1001, 100));
    helper.subchannels().get(0).set(ConnectivityState.READY);
    Endpoint a = lb.balancer().state().members().get(0);

    LoadBalancer.PickResult pick = helper.picker().pickSubchannel(FakeHelper.args(CallOptions.DEFAULT));
    assertThat(a.inFlight()).as("a pick alone counts nothing: the channel may drop it").isZero();

    ClientStreamTracer tracer = pick.getStreamTracerFactory()
        .newClientStreamTracer(ClientStreamTracer.StreamInfo.newBuilder().build(), new Metadata());
    assertThat(a.inFlight()).isEqualTo(1);
    tracer.streamClosed(Status.UNAVAILABLE);
    tracer.streamClosed(Status.UNAVAILABLE); // a second close reports nothing more

    assertThat(a.inFlight()).isZero();
    assertThat(a.requests()).isEqualTo(1);
    assertThat(a.failures()).isEqualTo(1);
  }

  @Test
  void cancelledCallsAreReleasedAndApplicationErrorsAreAnswers() {
    resolve(Map.of(), address("a", 1001, 100));
    helper.subchannels().get(0).set(ConnectivityState.READY);
    Endpoint a = lb.balancer().state().members().get(0);
    ClientStreamTracer.Factory factory = helper.picker().pickSubchannel(FakeHelper.args(CallOptions.DEFAULT)).getStreamTracerFactory();

    factory.newClientStreamTracer(ClientStreamTracer.StreamInfo.newBuilder().build(), new Metadata()).streamClosed(Status.CANCELLED);
    factory.newClientStreamTracer(ClientStreamTracer.StreamInfo.newBuilder().build(), new Metadata()).streamClosed(Status.NOT_FOUND);

    assertThat(a.inFlight()).isZero();
    assertThat(a.requests()).isEqualTo(1);
    assertThat(a.failures()).isZero();
  }
}
