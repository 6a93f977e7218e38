package dev.keel.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class RegistrationHandleTest {
  private static final ServiceInstance ORDERS_1 =
      ServiceInstance.builder().service("orders").id("orders-1").host("10.0.0.7").port(8080).build();

  @Test
  void closePassesTheHandleToTheDeregistrationOnce() {
    List<RegistrationHandle> calls = new ArrayList<>();
    RegistrationHandle h = new RegistrationHandle(ORDERS_1, calls::add);

    assertThat(h.isActive()).isTrue();
    h.close();
    h.close();

    assertThat(calls).containsExactly(h);
    assertThat(h.isActive()).isFalse();
    assertThat(h.instance()).isSameAs(ORDERS_1);
  }

  @Test
  void aSupersededHandleNeverDeregisters() {
    AtomicInteger calls = new AtomicInteger();
    RegistrationHandle h = new RegistrationHandle(ORDERS_1, x -> calls.incrementAndGet());

    h.supersede();
    h.supersede();
    h.close();

    assertThat(calls).hasValue(0);
    assertThat(h.isActive()).isFalse();
    assertThat(h).hasToString("Registration[orders/orders-1, inactive]");
  }

  @Test
  void supersedingAfterCloseChangesNothing() {
    AtomicInteger calls = new AtomicInteger();
    RegistrationHandle h = new RegistrationHandle(ORDERS_1, x -> calls.incrementAndGet());

    h.close();
    h.supersede();
    h.close();

    assertThat(calls).hasValue(1);
  }

  @Test
  void concurrentClosesDeregisterOnce() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    RegistrationHandle h = new RegistrationHandle(ORDERS_1, x -> calls.incrementAndGet());
    int threads = 8;
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> closes = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        closes.add(pool.submit(() -> {
          start.await();
          h.close();
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : closes) {
        f.get(10, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
      assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    }

    assertThat(calls).hasValue(1);
  }

  /**
   * The use the Javadoc describes: a handle whose close() ran just before a newer registration of
   * its id replaced it leaves the newer one alone, because the deregistration compares identities.
   */
  @Test
  void aLateDeregistrationOfAReplacedHandleKeepsTheNewerOne() {
    Map<String, RegistrationHandle> live = new HashMap<>();
    List<RegistrationHandle> deregistered = new ArrayList<>();
    Consumer<RegistrationHandle> deregister = r -> {
      synchronized (live) {
        if (live.remove(r.instance().id(), r)) {
          deregistered.add(r);
        }
      }
    };
    RegistrationHandle older = new RegistrationHandle(ORDERS_1, deregister);
    RegistrationHandle newer = new RegistrationHandle(ORDERS_1, deregister);
    live.put("orders-1", older);
    live.put("orders-1", newer); // replaced, not yet superseded: the window close() can fall into

    older.close();
    assertThat(deregistered).isEmpty();
    assertThat(live).containsEntry("orders-1", newer);

    newer.close();
    assertThat(deregistered).containsExactly(newer);
    assertThat(live).isEmpty();
  }

  @Test
  void anUpdateBecomesTheInstanceOnceTheAdapterWroteIt() {
    List<ServiceInstance> written = new ArrayList<>();
    RegistrationHandle h = new RegistrationHandle(ORDERS_1, x -> { }, (handle, next) -> {
      assertThat(handle.instance()).as("visible to a restore racing the write").isSameAs(next);
      written.add(next);
    });
    ServiceInstance busier = ORDERS_1.toBuilder().weight(50).putMetadata(ServiceInstance.CONNECTIONS, "12").build();

    h.update(busier);

    assertThat(written).containsExactly(busier);
    assertThat(h.instance()).isSameAs(busier);
  }

  @Test
  void aFailedUpdateLeavesThePreviousInstance() {
    RegistrationHandle h = new RegistrationHandle(ORDERS_1, x -> { }, (handle, next) -> {
      throw new RegistryException("no answer within PT5S");
    });

    assertThatThrownBy(() -> h.update(ORDERS_1.toBuilder().weight(1).build())).isInstanceOf(RegistryException.class);
    assertThat(h.instance()).isSameAs(ORDERS_1);
  }

  @Test
  void anUpdateCannotChangeWhereOrWhatTheInstanceIs() {
    RegistrationHandle h = new RegistrationHandle(ORDERS_1, x -> { }, (handle, next) -> { });

    assertThatThrownBy(() -> h.update(ORDERS_1.toBuilder().port(8081).build()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("update: port '8081' (expected: '8080', as registered; only weight and metadata can change in place)");
    assertThatThrownBy(() -> h.update(ORDERS_1.toBuilder().id("orders-2").build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("update: id 'orders-2'");
    assertThatThrownBy(() -> h.update(ORDERS_1.toBuilder().host("10.0.0.8").build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("update: host '10.0.0.8'");
    assertThatThrownBy(() -> h.update(ORDERS_1.toBuilder().service("billing").build()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("update: service 'billing'");
    assertThat(h.instance()).isSameAs(ORDERS_1);
  }

  @Test
  void aClosedOrSupersededHandleRefusesUpdates() {
    AtomicInteger writes = new AtomicInteger();
    RegistrationHandle closed = new RegistrationHandle(ORDERS_1, x -> { }, (handle, next) -> writes.incrementAndGet());
    RegistrationHandle superseded = new RegistrationHandle(ORDERS_1, x -> { }, (handle, next) -> writes.incrementAndGet());
    closed.close();
    superseded.supersede();

    assertThatThrownBy(() -> closed.update(ORDERS_1)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> superseded.update(ORDERS_1)).isInstanceOf(IllegalStateException.class);
    assertThat(writes).hasValue(0);
  }

  @Test
  void aHandleWithoutAnUpdaterSaysItCannotUpdate() {
    RegistrationHandle h = new RegistrationHandle(ORDERS_1, x -> { });
    assertThatThrownBy(() -> h.update(ORDERS_1)).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  @SuppressWarnings("NullAway") // passes null on purpose: the constructor must reject it
  void rejectsNulls() {
    assertThatNullPointerException().isThrownBy(() -> new RegistrationHandle(null, x -> {})).withMessage("instance");
    assertThatNullPointerException().isThrownBy(() -> new RegistrationHandle(ORDERS_1, null)).withMessage("deregister");
  }
}
