package dev.keel.balancer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.registry.ServiceInstance;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Test;

class RingHashPolicyTest {
  private static final int KEYS = 20_000;

  private final SettableDiscovery discovery = new SettableDiscovery();
  private final FakeClock clock = new FakeClock();

  private Balancer ringHash() {
    // Slow start off: the returning endpoint must get its whole weight back at once.
    return Fixtures.balancer(discovery, clock,
        Fixtures.config("ring-hash").slowStartWindow(java.time.Duration.ZERO).build()).build();
  }

  /** A ring-hash balancer with bounded-load factor {@code c} (0: strict affinity). */
  private Balancer ringHash(double c) {
    return Fixtures.balancer(discovery, clock, Fixtures.config("ring-hash")
        .slowStartWindow(java.time.Duration.ZERO).hashBalanceFactor(c).build()).build();
  }

  private static Map<String, String> assign(Balancer b) {
    Map<String, String> out = new HashMap<>();
    for (int k = 0; k < KEYS; k++) {
      String key = "10.1." + (k / 256) + "." + (k % 256);
      Endpoint e = Fixtures.present(b.pick(key));
      out.put(key, e.id());
      e.release();
    }
    return out;
  }

  @Test
  void removingOneOfTenRemapsAboutATenthAndReturningRestoresTheSameKeys() {
    List<ServiceInstance> all = SettableDiscovery.instances(10);
    discovery.set(all);
    Balancer b = ringHash();
    Map<String, String> before = assign(b);

    List<ServiceInstance> nine = new ArrayList<>(all);
    ServiceInstance leaving = nine.remove(3);
    discovery.set(nine);
    Map<String, String> during = assign(b);
    long moved = before.keySet().stream().filter(k -> !Objects.equals(before.get(k), during.get(k))).count();
    assertThat((double) moved / KEYS).isLessThanOrEqualTo(1.0 / 10 + 0.05);
    // Only the leaving endpoint's keys moved.
    assertThat(before.keySet().stream()
        .filter(k -> !Objects.equals(before.get(k), during.get(k)))
        .allMatch(k -> leaving.id().equals(before.get(k)))).isTrue();

    discovery.set(all);
    assertThat(assign(b)).isEqualTo(before);
  }

  @Test
  void sameKeyAlwaysGoesToSameEndpointAndKeysSpreadOverAll() {
    discovery.set(SettableDiscovery.instances(10));
    Balancer b = ringHash();
    Map<String, String> a = assign(b);
    assertThat(assign(b)).isEqualTo(a);
    Map<String, Integer> load = new HashMap<>();
    a.values().forEach(id -> load.merge(id, 1, Integer::sum));
    assertThat(load).hasSize(10);
    assertThat(load.values()).allSatisfy(c -> assertThat(c).isBetween(KEYS / 10 * 6 / 10, KEYS / 10 * 14 / 10));
  }

  @Test
  void boundedLoadMovesAHotKeyOffAnEndpointHoldingMoreThanItsShare() {
    discovery.set(SettableDiscovery.instances(4));
    Balancer b = ringHash();
    List<Endpoint> held = new ArrayList<>();
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 100; i++) {
      Endpoint e = Fixtures.present(b.pick("the-same-user")); // never released: load piles up
      held.add(e);
      counts.merge(e.id(), 1, Integer::sum);
    }
    // c = 1.25: no endpoint may exceed ceil(1.25 × (in-flight + 1) / 4) ≈ 32 of 100.
    assertThat(counts).hasSizeGreaterThan(1);
    assertThat(counts.values()).allSatisfy(c -> assertThat(c).isLessThanOrEqualTo(32));
    held.forEach(Endpoint::release);
  }

  @Test
  void strictAffinityKeepsAHotKeyOnItsEndpointHoweverBusy() {
    discovery.set(SettableDiscovery.instances(4));
    Balancer b = ringHash(0);
    List<Endpoint> held = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      held.add(b.pick("the-same-user")); // never released: load piles up, and the key stays
    }
    assertThat(held).allSatisfy(e -> assertThat(e).isSameAs(held.get(0)));
    assertThat(held.get(0).inFlight()).isEqualTo(100);
    held.forEach(Endpoint::release);
  }

  @Test
  void strictAffinityMovesAKeyOnlyWhileItsEndpointIsOutAndBringsItBack() {
    List<ServiceInstance> all = SettableDiscovery.instances(4);
    discovery.set(all);
    Balancer b = ringHash(0);
    Endpoint home = Fixtures.present(b.pick("user-7"));
    home.release();
    List<ServiceInstance> without = new ArrayList<>(all);
    without.removeIf(i -> i.id().equals(home.id()));
    discovery.set(without);
    Endpoint away = Fixtures.present(b.pick("user-7"));
    assertThat(away.id()).isNotEqualTo(home.id());
    away.release();
    discovery.set(all);
    Endpoint back = Fixtures.present(b.pick("user-7"));
    assertThat(back.id()).isEqualTo(home.id());
    back.release();
  }

  @Test
  void aSettableBoundCapsEachEndpointAtThatFactorOfItsShare() {
    discovery.set(SettableDiscovery.instances(4));
    Balancer b = ringHash(2.0);
    List<Endpoint> held = new ArrayList<>();
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 100; i++) {
      Endpoint e = Fixtures.present(b.pick("the-same-user"));
      held.add(e);
      counts.merge(e.id(), 1, Integer::sum);
    }
    // c = 2.0: at most ceil(2.0 × (in-flight + 1) / 4) ≈ 50 of 100 on one endpoint; more than the
    // default's 32 stay on the key's own endpoint.
    assertThat(counts.values()).allSatisfy(c -> assertThat(c).isLessThanOrEqualTo(50));
    assertThat(counts.get(held.get(0).id())).isGreaterThan(32);
    held.forEach(Endpoint::release);
  }
}
