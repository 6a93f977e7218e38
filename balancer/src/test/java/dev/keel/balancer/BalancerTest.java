package dev.keel.balancer;

import static dev.keel.balancer.SettableDiscovery.instance;
import static dev.keel.balancer.SettableDiscovery.instances;
import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.registry.Discovery;
import dev.keel.registry.InstanceSet;
import dev.keel.registry.Subscription;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class BalancerTest {
  private final FakeClock clock = new FakeClock();
  private final SettableDiscovery discovery = new SettableDiscovery();

  private Balancer roundRobin() {
    return Fixtures.balancer(discovery, clock, BalancerConfig.defaults()).build();
  }

  @Test
  void firstPickerIsBuiltBeforeBuildReturnsEvenWhenTheWatchDeliversLater() {
    discovery.set(instances(3));
    // A discovery whose watch never calls back: only resolve() can have fed the first picker.
    Discovery silent = new Discovery() {
      @Override
      public InstanceSet resolve(String service) {
        return discovery.resolve(service);
      }

      @Override
      public Subscription watch(String service, Consumer<InstanceSet> listener) {
        return () -> {};
      }
    };
    Balancer b = Balancer.builder(silent, SettableDiscovery.SERVICE).clock(clock).executor(Runnable::run).build();
    assertThat(b.pick(PickArgs.ANY)).isNotNull();
    assertThat(b.state().members()).hasSize(3);
  }

  @Test
  void endpointStateSurvivesUpdatesByIdAndRemovedEndpointsLeave() {
    discovery.set(instances(3));
    Balancer b = roundRobin();
    Endpoint e1 = Fixtures.member(b, "e01");
    e1.release(); // nothing in flight: ignored
    Endpoint picked;
    do {
      picked = Fixtures.present(b.pick(PickArgs.ANY));
      picked.onFailure(FailureKind.RESET);
    } while (picked != e1);
    long failures = e1.failures();

    List<dev.keel.registry.ServiceInstance> next = new ArrayList<>(instances(3));
    next.remove(0);
    next.add(instance(7));
    next.set(0, instance(1, 250)); // e01 changes weight: still the same endpoint
    discovery.set(next);

    assertThat(b.state().member("e01")).isSameAs(e1);
    assertThat(e1.failures()).isEqualTo(failures);
    assertThat(e1.weight()).isEqualTo(250);
    assertThat(b.state().member("e00")).isNull();
    assertThat(b.state().members()).extracting(Endpoint::id).containsExactly("e01", "e02", "e07");
  }

  @Test
  void updateThatChangesNothingIsDropped() {
    discovery.set(instances(3));
    Balancer b = roundRobin();
    long version = b.state().version();
    discovery.set(instances(3)); // new revision, same instances
    assertThat(b.state().version()).isEqualTo(version);
  }

  @Test
  void emptyServiceGivesNoneAvailableNotAnException() {
    Balancer b = roundRobin();
    assertThat(b.pick(PickArgs.ANY)).isNull();
    assertThat(b.pick("k")).isNull();
    discovery.set(instances(1));
    assertThat(b.pick(PickArgs.ANY)).isNotNull();
  }

  @Test
  void zeroWeightEndpointsReceiveNothing() {
    discovery.set(instance(0, 0), instance(1, 100));
    Balancer b = roundRobin();
    assertThat(Fixtures.histogram(b, 100)).containsOnlyKeys("e01");
  }

  @Test
  void doubleReportNeverDrivesInFlightNegativeNorCountsTwice() {
    discovery.set(instances(1));
    Balancer b = roundRobin();
    Endpoint e = Fixtures.present(b.pick(PickArgs.ANY));
    e.onFailure(FailureKind.TIMEOUT);
    e.onFailure(FailureKind.TIMEOUT);
    e.onSuccess(5);
    e.release();
    assertThat(e.inFlight()).isZero();
    assertThat(e.failures()).isEqualTo(1);
    assertThat(e.requests()).isEqualTo(1);
  }

  @Test
  void ticketAcceptsOnlyTheFirstReport() {
    discovery.set(instances(2));
    Balancer b = roundRobin();
    Ticket t1 = Ticket.of(Fixtures.present(b.pick(PickArgs.ANY)));
    Ticket t2 = Ticket.of(Fixtures.present(b.pick(PickArgs.ANY)));
    Ticket t3 = Ticket.of(Fixtures.present(b.pick(PickArgs.ANY))); // same endpoint as t1 (round robin over two)
    assertThat(t3.endpoint()).isSameAs(t1.endpoint());
    assertThat(t1.endpoint().inFlight()).isEqualTo(2);
    assertThat(t1.onFailure(FailureKind.CONNECT)).isTrue();
    assertThat(t1.onSuccess(10)).isFalse();
    assertThat(t1.release()).isFalse();
    assertThat(t1.done()).isTrue();
    // t3's request is still counted: t1's repeats did not eat it.
    assertThat(t1.endpoint().inFlight()).isEqualTo(1);
    assertThat(t2.release()).isTrue();
    assertThat(t3.onSuccess(10)).isTrue();
    assertThat(t1.endpoint().inFlight()).isZero();
    assertThat(t2.endpoint().inFlight()).isZero();
  }

  @Test
  void closeStopsWatchingAndPicking() {
    discovery.set(instances(2));
    Balancer b = roundRobin();
    assertThat(discovery.watchers()).isEqualTo(1);
    b.close();
    b.close();
    assertThat(discovery.watchers()).isZero();
    assertThat(b.pick(PickArgs.ANY)).isNull();
  }

  @Test
  void stateListenerRunsAfterEveryPublishedPicker() {
    discovery.set(instances(2));
    Balancer b = roundRobin();
    List<Long> versions = new ArrayList<>();
    Subscription s = b.onStateChange(() -> versions.add(b.state().version()));
    discovery.set(instances(3));
    discovery.set(instances(4));
    s.close();
    discovery.set(instances(5));
    assertThat(versions).hasSize(2);
    assertThat(versions.get(1)).isGreaterThan(versions.get(0));
  }

  @Test
  void followsTheRealMemoryRegistry() {
    try (RegistryClient client = Registries.open("memory://balancer-test")) {
      client.register(instance(0));
      client.register(instance(1));
      try (Balancer b = Balancer.builder(client, SettableDiscovery.SERVICE).build()) {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
            .until(() -> b.state().members().size() == 2);
        client.register(instance(2));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5))
            .until(() -> b.state().members().size() == 3);
        assertThat(Fixtures.histogram(b, 30)).containsOnlyKeys("e00", "e01", "e02");
      }
    }
  }
}
