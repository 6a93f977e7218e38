package dev.keel.balancer;

import static dev.keel.balancer.SettableDiscovery.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.registry.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link ConnectionBalancer#open(java.util.Collection)} and {@link ConnectionLease#keep()}: failed migrations. */
class ConnectionMigrationTest {
  private final FakeClock clock = new FakeClock();
  private final SettableDiscovery discovery = new SettableDiscovery();

  private Balancer balancer(List<ServiceInstance> instances) {
    discovery.set(instances);
    return Fixtures.balancer(discovery, clock, BalancerConfig.defaults()).build();
  }

  private static Map<String, Integer> perEndpoint(List<ConnectionLease> leases) {
    Map<String, Integer> m = new HashMap<>();
    leases.forEach(l -> m.merge(l.endpoint().id(), 1, Integer::sum));
    return m;
  }

  @Test
  void openExcludingPlacesOnTheLargestDeficitAmongTheOthers() {
    Balancer b = balancer(List.of(instance(0, 100), instance(1, 100), instance(2, 200)));
    ConnectionBalancer cb = ConnectionBalancer.create(b);
    List<ConnectionLease> open = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      open.add(cb.open());
    }
    assertThat(perEndpoint(open)).containsOnly(Map.entry("e00", 2), Map.entry("e01", 2), Map.entry("e02", 4));
    // e00 loses both: it has the largest deficit, so a plain open would land there.
    open.stream().filter(l -> l.endpoint().id().equals("e00")).forEach(ConnectionLease::close);
    Endpoint e00 = b.state().member("e00");

    ConnectionLease moved = Fixtures.present(cb.open(List.of(e00)));
    // Shares still count e00 (7 in all: 1.75, 1.75, 3.5): e01 is 0.25 over its share, e02 0.5 over.
    assertThat(moved.endpoint().id()).isEqualTo("e01");
    assertThat(Fixtures.present(cb.open(List.of())).endpoint()).isSameAs(e00); // empty: the plain placement
    assertThat(cb.connections()).isEqualTo(8);
  }

  @Test
  void openReturnsNullWhenEveryAvailableEndpointIsExcluded() {
    Balancer b = balancer(SettableDiscovery.instances(2));
    ConnectionBalancer cb = ConnectionBalancer.create(b);
    assertThat(cb.open(Set.copyOf(b.state().available()))).isNull();
    assertThat(cb.connections()).isZero();
    assertThat(b.state().available()).allSatisfy(e -> assertThat(e.activeConnections()).isZero());
    assertThat(Fixtures.present(cb.open(b.state().available().subList(0, 1))).endpoint().id()).isEqualTo("e01");
  }

  @Test
  @SuppressWarnings("NullAway") // passes null on purpose: open must reject it
  void openRejectsANullExclusion() {
    ConnectionBalancer cb = ConnectionBalancer.create(balancer(SettableDiscovery.instances(2)));
    assertThatThrownBy(() -> cb.open(null)).isInstanceOf(NullPointerException.class).hasMessage("exclude");
  }

  @Test
  void keepTakesBackAShedSoTheConnectionCountsAndIsShedAgainLater() {
    List<ServiceInstance> two = SettableDiscovery.instances(2);
    Balancer b = balancer(two.subList(0, 1));
    ConnectionBalancer cb = ConnectionBalancer.create(b);
    for (int i = 0; i < 20; i++) {
      assertThat(cb.open()).isNotNull();
    }
    discovery.set(two); // e01 joins with nothing
    clock.advance(Duration.ofSeconds(6));
    List<ConnectionLease> shed = cb.shedCandidates();
    assertThat(shed).hasSize(10).allMatch(ConnectionLease::shedding);

    // The transport could not move them (say, e01 refused every new connection): it keeps them.
    for (ConnectionLease lease : shed) {
      assertThat(lease.keep()).isTrue();
      assertThat(lease.shedding()).isFalse();
      assertThat(lease.keep()).isFalse(); // once
    }
    clock.advance(Duration.ofSeconds(1));
    // Counted as ordinary connections again, so the next run sheds 10 again. Had they stayed
    // "shedding", e00 would look at its share (10 live) and nothing more would ever be shed.
    List<ConnectionLease> again = cb.shedCandidates();
    assertThat(again).hasSize(10).allMatch(ConnectionLease::shedding);
    assertThat(cb.connections()).isEqualTo(20);
    assertThat(Fixtures.member(b, "e00").activeConnections()).isEqualTo(20);
  }

  @Test
  void keepOnALeaseThatIsNotSheddingOrIsClosedChangesNothing() {
    List<ServiceInstance> two = SettableDiscovery.instances(2);
    Balancer b = balancer(two.subList(0, 1));
    ConnectionBalancer cb = ConnectionBalancer.create(b);
    List<ConnectionLease> open = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      open.add(cb.open());
    }
    assertThat(open.get(0).keep()).isFalse(); // not shedding
    assertThat(open.get(0).shedding()).isFalse();

    discovery.set(two);
    clock.advance(Duration.ofSeconds(6));
    List<ConnectionLease> shed = cb.shedCandidates();
    assertThat(shed).hasSize(2); // 4 on e00, share 2
    shed.get(0).close(); // this one was moved after all
    assertThat(shed.get(0).keep()).isFalse();
    assertThat(shed.get(0).shedding()).isTrue(); // a closed lease stays as it was
    assertThat(shed.get(1).keep()).isTrue();
    assertThat(cb.connections()).isEqualTo(3);
  }
}
