package dev.keel.balancer;

import static dev.keel.balancer.SettableDiscovery.instance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Per-endpoint data of a transport lives on the endpoint: made once, kept as long as the endpoint. */
class EndpointAttachmentTest {
  /** What a transport might keep per endpoint. */
  record Address(String id, String hostPort) {}

  private static final AtomicInteger MADE = new AtomicInteger();
  private static final AttachmentKey<Address> ADDRESS = AttachmentKey.create("address", e -> {
    MADE.incrementAndGet();
    return new Address(e.id(), e.instance().host() + ":" + e.instance().port());
  });

  private final FakeClock clock = new FakeClock();
  private final SettableDiscovery discovery = new SettableDiscovery();

  @Test
  void anAttachmentIsMadeOnceAndSurvivesUpdatesThatKeepTheEndpoint() {
    discovery.set(instance(0), instance(1));
    Balancer b = Fixtures.balancer(discovery, clock, BalancerConfig.defaults()).build();
    Endpoint e = Fixtures.member(b, "e00");
    int before = MADE.get();
    Address a = e.attachment(ADDRESS);
    assertThat(a).isEqualTo(new Address("e00", "10.0.0.1:8080"));
    assertThat(e.attachment(ADDRESS)).isSameAs(a);
    discovery.set(instance(0, 300), instance(1), instance(2)); // e00's weight changes in place
    assertThat(b.state().member("e00")).isSameAs(e);
    assertThat(e.attachment(ADDRESS)).isSameAs(a);
    assertThat(MADE.get() - before).isEqualTo(1);
  }

  @Test
  void anEndpointThatLeftBusyReturnsWithItsAttachmentAndOneThatLeftIdleStartsAfresh() {
    discovery.set(instance(0), instance(1));
    Balancer b = Fixtures.balancer(discovery, clock, BalancerConfig.defaults()).build();
    Endpoint busy = Fixtures.present(b.pick(PickArgs.builder().pinned("e00").strict(true).build()));
    Endpoint idle = Fixtures.member(b, "e01");
    Address busyAddress = busy.attachment(ADDRESS);
    Address idleAddress = idle.attachment(ADDRESS);

    discovery.set(instance(2));
    assertThat(busy.member()).isFalse();
    assertThat(idle.member()).isFalse();
    discovery.set(instance(0), instance(1), instance(2)); // both ids come back

    assertThat(b.state().member("e00")).isSameAs(busy);
    assertThat(busy.member()).isTrue();
    assertThat(busy.attachment(ADDRESS)).isSameAs(busyAddress);
    Endpoint fresh = Fixtures.member(b, "e01");
    assertThat(fresh).isNotSameAs(idle);
    assertThat(fresh.attachment(ADDRESS)).isNotSameAs(idleAddress).isEqualTo(idleAddress);
    busy.release();
  }

  @Test
  void threadsRacingForTheFirstAttachmentGetOneValue() throws Exception {
    discovery.set(instance(0));
    Balancer b = Fixtures.balancer(discovery, clock, BalancerConfig.defaults()).build();
    AtomicInteger made = new AtomicInteger();
    AttachmentKey<Object> key = AttachmentKey.create("racy", e -> {
      made.incrementAndGet();
      return new Object();
    });
    Endpoint e = Fixtures.member(b, "e00");
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Object>> got = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        got.add(pool.submit(() -> {
          go.await();
          return e.attachment(key);
        }));
      }
      go.countDown();
      Object first = got.get(0).get();
      for (Future<Object> f : got) {
        assertThat(f.get()).isSameAs(first);
      }
      assertThat(made).hasValue(1);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void anInitThatReturnsNullIsAClearError() {
    discovery.set(instance(0));
    Balancer b = Fixtures.balancer(discovery, clock, BalancerConfig.defaults()).build();
    AttachmentKey<String> broken = AttachmentKey.create("broken", e -> null);
    assertThatThrownBy(() -> Fixtures.member(b, "e00").attachment(broken))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("attachment broken: init returned null for e00");
  }

  @Test
  void endpointsStopBeingMembersWhenTheBalancerCloses() {
    discovery.set(instance(0));
    Balancer b = Fixtures.balancer(discovery, clock, BalancerConfig.defaults()).build();
    Endpoint e = Fixtures.member(b, "e00");
    assertThat(e.member()).isTrue();
    b.close();
    assertThat(e.member()).isFalse();
  }
}
