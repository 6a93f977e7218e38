package dev.keel.balancer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class PinTest {
  private final FakeClock clock = new FakeClock();
  private final SettableDiscovery discovery = new SettableDiscovery();

  private Balancer balancer(int n, BalancerConfig.Builder config) {
    discovery.set(SettableDiscovery.instances(n));
    return Fixtures.balancer(discovery, clock, config.slowStartWindow(Duration.ZERO).build()).build();
  }

  /** A strict pin: that endpoint, counted, or null. */
  static @Nullable Endpoint pin(Balancer b, String id) {
    return b.pick(PickArgs.builder().pinned(id).strict(true).build());
  }

  /** Reports failures on {@code id} (pinned) until outlier detection ejects it. */
  static void failUntilEjected(Balancer b, String id) {
    Endpoint e = Fixtures.member(b, id);
    for (int i = 0; i < 100 && !e.ejected(); i++) {
      Fixtures.present(pin(b, id)).onFailure(FailureKind.CONNECT);
    }
    assertThat(e.ejected()).as(id + " ejected").isTrue();
  }

  @Test
  void pinCountsOneRequestInFlightThatOneReportEnds() {
    Balancer b = balancer(4, BalancerConfig.builder());
    Endpoint e = Fixtures.present(pin(b, "e02"));
    assertThat(e).isSameAs(b.state().member("e02"));
    assertThat(e.inFlight()).isEqualTo(1);
    assertThat(pin(b, "e02")).isSameAs(e);
    assertThat(e.inFlight()).isEqualTo(2);
    e.onSuccess(2_000_000);
    e.release();
    assertThat(e.inFlight()).isZero();
    assertThat(e.requests()).isEqualTo(1);
    assertThat(Fixtures.member(b, "e01").inFlight()).isZero();
  }

  @Test
  void pinnedRequestsAddToTheLoadThatLeastRequestSees() {
    Balancer b = balancer(2, BalancerConfig.builder().policy("least-request"));
    Endpoint busy = pin(b, "e00");
    assertThat(busy).isNotNull();
    for (int i = 0; i < 20; i++) {
      Endpoint e = Fixtures.present(b.pick(PickArgs.ANY));
      assertThat(e.id()).isEqualTo("e01");
      e.release();
    }
    busy.release();
  }

  @Test
  void unknownOrRemovedIdIsNotPinnedAndCountsNothing() {
    Balancer b = balancer(3, BalancerConfig.builder());
    assertThat(pin(b, "nope")).isNull();
    Endpoint gone = Fixtures.member(b, "e02");
    discovery.set(SettableDiscovery.instance(0), SettableDiscovery.instance(1));
    assertThat(pin(b, "e02")).isNull();
    assertThat(gone.inFlight()).isZero();
  }

  @Test
  void weightZeroMemberIsNotPinned() {
    discovery.set(SettableDiscovery.instance(0), SettableDiscovery.instance(1, 0));
    Balancer b = Fixtures.balancer(discovery, clock, BalancerConfig.defaults()).build();
    assertThat(pin(b, "e01")).isNull();
    assertThat(Fixtures.member(b, "e01").inFlight()).isZero();
  }

  @Test
  void pinnedFailuresEjectTheEndpointAndThenItIsNoLongerPinned() {
    Balancer b = balancer(10, BalancerConfig.builder());
    Endpoint bad = Fixtures.member(b, "e03");
    for (int i = 0; i < 4; i++) {
      Fixtures.present(pin(b, "e03")).onFailure(FailureKind.CONNECT);
    }
    assertThat(bad.ejected()).isFalse();
    assertThat(bad.consecutiveFailures()).isEqualTo(4);
    Fixtures.present(pin(b, "e03")).onFailure(FailureKind.CONNECT);
    assertThat(bad.ejected()).isTrue();
    assertThat(bad.failures()).isEqualTo(5);
    assertThat(bad.inFlight()).isZero();
    assertThat(pin(b, "e03")).isNull();
    assertThat(bad.inFlight()).isZero();

    clock.advance(Duration.ofSeconds(31)); // the first ejection lasts 30 s
    assertThat(bad.ejected()).isFalse();
    Endpoint back = Fixtures.present(pin(b, "e03"));
    assertThat(back).isSameAs(bad);
    back.onSuccess(1_000);
  }

  @Test
  void endpointDownByActiveChecksIsNotPinnedNotEvenInPanic() {
    HealthCheckTest.FakeChecker checker = new HealthCheckTest.FakeChecker();
    discovery.set(SettableDiscovery.instances(4));
    Balancer b = Fixtures.balancer(discovery, clock, BalancerConfig.builder().slowStartWindow(Duration.ZERO).build())
        .healthChecker(checker).build();
    clock.advance(Duration.ofSeconds(1));
    checker.up.put("e01", false);
    clock.advance(Duration.ofSeconds(15)); // three failed checks: down
    assertThat(Fixtures.member(b, "e01").healthy()).isFalse();
    assertThat(pin(b, "e01")).isNull();
    assertThat(pin(b, "e00")).isNotNull().satisfies(Endpoint::release);

    // Three of four down: below the 0.5 panic threshold, but a member down by checks stays out.
    checker.up.put("e02", false);
    checker.up.put("e03", false);
    clock.advance(Duration.ofSeconds(15));
    assertThat(b.state().panic()).isTrue();
    assertThat(pin(b, "e01")).isNull();
    assertThat(Fixtures.member(b, "e01").inFlight()).isZero();
    assertThat(b.state().available()).extracting(Endpoint::id).containsExactly("e00");
  }

  @Test
  void anEjectedEndpointIsPinnedAgainInPanic() {
    Balancer b = balancer(2, BalancerConfig.builder().outlierMaxEjectionShare(1.0));
    failUntilEjected(b, "e00");
    assertThat(b.state().panic()).isFalse(); // 1 of 2 available is not below 0.5
    assertThat(pin(b, "e00")).isNull();
    failUntilEjected(b, "e01");
    assertThat(b.state().panic()).isTrue();
    Endpoint e = Fixtures.present(pin(b, "e00"));
    assertThat(e).isSameAs(b.state().member("e00"));
    e.release();
  }

  @Test
  void aPinThatCannotBeHonouredFallsBackToThePolicyUnlessStrict() {
    Balancer b = balancer(3, BalancerConfig.builder());
    discovery.set(SettableDiscovery.instance(0), SettableDiscovery.instance(1));
    for (String id : new String[] {"e02", "nope"}) {
      Endpoint e = b.pick(PickArgs.builder().pinned(id).build());
      assertThat(e).isNotNull();
      assertThat(e.id()).isIn("e00", "e01");
      assertThat(e.inFlight()).isEqualTo(1);
      e.release();
      assertThat(b.pick(PickArgs.builder().pinned(id).strict(true).build())).isNull();
    }
  }

  @Test
  void anExcludedPinnedEndpointIsNotReturned() {
    Balancer b = balancer(3, BalancerConfig.builder());
    Endpoint tried = Fixtures.member(b, "e01");
    for (int i = 0; i < 20; i++) {
      Endpoint e = b.pick(PickArgs.builder().pinned("e01").exclude(java.util.List.of(tried)).build());
      assertThat(e).isNotNull().isNotSameAs(tried);
      e.release();
    }
    assertThat(b.pick(PickArgs.builder().pinned("e01").strict(true).exclude(java.util.List.of(tried)).build()))
        .isNull();
    assertThat(tried.inFlight()).isZero();
  }

  @Test
  void strictWithoutAPinnedIdIsRefused() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> PickArgs.builder().strict(true).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("strict: true (expected: only with a pinned instance id)");
  }

  @Test
  void aTicketOverAPinnedPickTakesOnlyTheFirstReport() {
    Balancer b = balancer(3, BalancerConfig.builder());
    Ticket t = Ticket.of(Fixtures.present(pin(b, "e01")));
    assertThat(t.endpoint()).isSameAs(b.state().member("e01"));
    assertThat(t.endpoint().inFlight()).isEqualTo(1);
    Endpoint other = Fixtures.present(pin(b, "e01")); // a second request on the same endpoint
    assertThat(t.onFailure(FailureKind.TIMEOUT)).isTrue();
    assertThat(t.onSuccess(1_000)).isFalse();
    assertThat(t.release()).isFalse();
    assertThat(other.inFlight()).isEqualTo(1); // the stray reports did not end the other request
    assertThat(other.failures()).isEqualTo(1);
    other.release();
  }

  @Test
  void closedBalancerPicksNothingPinnedOrNot() {
    Balancer b = balancer(2, BalancerConfig.builder());
    b.close();
    assertThat(pin(b, "e00")).isNull();
    assertThat(b.pick(PickArgs.builder().pinned("e00").build())).isNull();
  }
}
