package dev.keel.balancer;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class PinTest {
  private final FakeClock clock = new FakeClock();
  private final SettableDiscovery discovery = new SettableDiscovery();

  private Balancer balancer(int n, BalancerConfig.Builder config) {
    discovery.set(SettableDiscovery.instances(n));
    return Fixtures.balancer(discovery, clock, config.slowStartWindow(Duration.ZERO).build()).build();
  }

  @Test
  void pinCountsOneRequestInFlightThatOneReportEnds() {
    Balancer b = balancer(4, BalancerConfig.builder());
    Endpoint e = b.pin("e02");
    assertThat(e).isSameAs(b.state().member("e02"));
    assertThat(e.inFlight()).isEqualTo(1);
    assertThat(b.pin("e02")).isSameAs(e);
    assertThat(e.inFlight()).isEqualTo(2);
    e.onSuccess(2_000_000);
    e.release();
    assertThat(e.inFlight()).isZero();
    assertThat(e.requests()).isEqualTo(1);
    assertThat(b.state().member("e01").inFlight()).isZero();
  }

  @Test
  void pinnedRequestsAddToTheLoadThatLeastRequestSees() {
    Balancer b = balancer(2, BalancerConfig.builder().policy("least-request"));
    Endpoint busy = b.pin("e00");
    assertThat(busy).isNotNull();
    for (int i = 0; i < 20; i++) {
      Endpoint e = b.pick();
      assertThat(e.id()).isEqualTo("e01");
      e.release();
    }
    busy.release();
  }

  @Test
  void unknownOrRemovedIdIsNotPinnedAndCountsNothing() {
    Balancer b = balancer(3, BalancerConfig.builder());
    assertThat(b.pin("nope")).isNull();
    assertThat(b.beginPinned("nope")).isNull();
    Endpoint gone = b.state().member("e02");
    discovery.set(SettableDiscovery.instance(0), SettableDiscovery.instance(1));
    assertThat(b.pin("e02")).isNull();
    assertThat(gone.inFlight()).isZero();
  }

  @Test
  void weightZeroMemberIsNotPinned() {
    discovery.set(SettableDiscovery.instance(0), SettableDiscovery.instance(1, 0));
    Balancer b = Fixtures.balancer(discovery, clock, BalancerConfig.defaults()).build();
    assertThat(b.pin("e01")).isNull();
    assertThat(b.state().member("e01").inFlight()).isZero();
  }

  @Test
  void pinnedFailuresEjectTheEndpointAndThenItIsNoLongerPinned() {
    Balancer b = balancer(10, BalancerConfig.builder());
    Endpoint bad = b.state().member("e03");
    for (int i = 0; i < 4; i++) {
      b.pin("e03").onFailure(FailureKind.CONNECT);
    }
    assertThat(bad.ejected()).isFalse();
    assertThat(bad.consecutiveFailures()).isEqualTo(4);
    b.pin("e03").onFailure(FailureKind.CONNECT);
    assertThat(bad.ejected()).isTrue();
    assertThat(bad.failures()).isEqualTo(5);
    assertThat(bad.inFlight()).isZero();
    assertThat(b.pin("e03")).isNull();
    assertThat(bad.inFlight()).isZero();

    clock.advance(Duration.ofSeconds(31)); // the first ejection lasts 30 s
    assertThat(bad.ejected()).isFalse();
    Endpoint back = b.pin("e03");
    assertThat(back).isSameAs(bad);
    back.onSuccess(1_000);
  }

  @Test
  void endpointDownByActiveChecksIsNotPinnedUnlessInPanic() {
    HealthCheckTest.FakeChecker checker = new HealthCheckTest.FakeChecker();
    discovery.set(SettableDiscovery.instances(4));
    Balancer b = Fixtures.balancer(discovery, clock, BalancerConfig.builder().slowStartWindow(Duration.ZERO).build())
        .healthChecker(checker).build();
    clock.advance(Duration.ofSeconds(1));
    checker.up.put("e01", false);
    clock.advance(Duration.ofSeconds(15)); // three failed checks: down
    assertThat(b.state().member("e01").healthy()).isFalse();
    assertThat(b.pin("e01")).isNull();
    assertThat(b.pin("e00")).isNotNull().satisfies(Endpoint::release);

    // Three of four down: below the 0.5 panic threshold, every member is available again.
    checker.up.put("e02", false);
    checker.up.put("e03", false);
    clock.advance(Duration.ofSeconds(15));
    assertThat(b.state().panic()).isTrue();
    Endpoint panicPinned = b.pin("e01");
    assertThat(panicPinned).isSameAs(b.state().member("e01"));
    assertThat(panicPinned.inFlight()).isEqualTo(1);
    panicPinned.release();
  }

  @Test
  void beginPinnedTakesOnlyTheFirstReport() {
    Balancer b = balancer(3, BalancerConfig.builder());
    Ticket t = b.beginPinned("e01");
    assertThat(t.endpoint()).isSameAs(b.state().member("e01"));
    assertThat(t.endpoint().inFlight()).isEqualTo(1);
    Endpoint other = b.pin("e01"); // a second request on the same endpoint
    assertThat(t.failure(FailureKind.TIMEOUT)).isTrue();
    assertThat(t.success(1_000)).isFalse();
    assertThat(t.cancel()).isFalse();
    assertThat(other.inFlight()).isEqualTo(1); // the stray reports did not end the other request
    assertThat(other.failures()).isEqualTo(1);
    other.release();
  }

  @Test
  void closedBalancerPinsNothing() {
    Balancer b = balancer(2, BalancerConfig.builder());
    b.close();
    assertThat(b.pin("e00")).isNull();
    assertThat(b.beginPinned("e00")).isNull();
  }

  @Test
  void defaultImplementationPinsNothing() {
    Balancer real = balancer(2, BalancerConfig.builder());
    Balancer wrapper = new ForwardingBalancer(real);
    assertThat(wrapper.pin("e00")).isNull();
    assertThat(wrapper.beginPinned("e00")).isNull();
    assertThat(real.state().member("e00").inFlight()).isZero();
  }

  /** A balancer that implements only the abstract methods, as a third-party one would. */
  private static final class ForwardingBalancer implements Balancer {
    private final Balancer delegate;

    ForwardingBalancer(Balancer delegate) {
      this.delegate = delegate;
    }

    @Override
    public String service() {
      return delegate.service();
    }

    @Override
    public BalancerConfig config() {
      return delegate.config();
    }

    @Override
    public Endpoint pick(CharSequence key) {
      return delegate.pick(key);
    }

    @Override
    public Ticket begin(CharSequence key) {
      return delegate.begin(key);
    }

    @Override
    public BalancerState state() {
      return delegate.state();
    }

    @Override
    public BalancerClock clock() {
      return delegate.clock();
    }

    @Override
    public dev.keel.registry.Subscription onStateChange(Runnable listener) {
      return delegate.onStateChange(listener);
    }

    @Override
    public void close() {
      delegate.close();
    }
  }
}
