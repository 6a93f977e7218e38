package dev.keel.proxy.routing;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.proxy.config.HostPort;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.config.ServicesConfig;
import dev.keel.proxy.upstream.Backend;
import dev.keel.proxy.upstream.UpstreamPicker;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The directory over real balancers on an in-process registry, with a fake clock for idleness and
 * recency; opens run on the directory's real thread and are held back by a latch where a test needs
 * them pending.
 */
class ServiceDirectoryTest {
  private final RegistryClient registry = Registries.open("memory://directory-" + UUID.randomUUID());
  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private final AtomicInteger opens = new AtomicInteger();
  private final CountDownLatch gate = new CountDownLatch(1);
  private volatile boolean gated;
  // the directory's thread, made when it first opens by name (each directory has its own)
  /** Stands for the event loop of the requests that wait. */
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
  private volatile ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor();
  private final ListenerConfig listener = ListenerConfig.of("web", HostPort.parse("127.0.0.1:0"), "http", "x",
      "round-robin");
  private ServiceDirectory<Svc> directory = directory(100, Duration.ofMinutes(10), Duration.ofSeconds(5));

  record Svc(UpstreamPicker picker) implements OpenService {
    @Override
    public void close() {
      picker.close();
    }
  }

  private ServiceDirectory<Svc> directory(int max, Duration idle, Duration firstResolve) {
    return new ServiceDirectory<>("web", new ServicesConfig(max, idle, firstResolve), cfg -> {
      opens.incrementAndGet();
      if (gated) {
        try {
          gate.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return new Svc(UpstreamPicker.start(cfg, registry));
    }, clock::get, () -> {
      thread = Executors.newSingleThreadScheduledExecutor();
      return thread;
    });
  }

  @AfterEach
  void close() throws Exception {
    gate.countDown();
    directory.close();
    loop.shutdownNow();
    registry.close();
  }

  private void register(String service, int port) {
    registry.register(ServiceInstance.builder().service(service).host("127.0.0.1").port(port).build());
  }

  private ServiceEntry<Svc> opened(String name) {
    ServiceEntry<Svc> e = directory.group(listener).get(name);
    await().atMost(Duration.ofSeconds(10)).until(() -> e.service() != null);
    return e;
  }

  private void sweep() throws Exception {
    thread.submit(directory::sweep).get(10, TimeUnit.SECONDS);
  }

  private void tick(Duration d) {
    clock.addAndGet(d.toNanos());
  }

  @Test
  void concurrentFirstRequestsShareOneResolveAndAllGoOnOnceItIsDone() throws Exception {
    register("orders", 1001);
    gated = true;
    List<ServiceEntry<Svc>> seen = new ArrayList<>();
    CountDownLatch woken = new CountDownLatch(8);
    List<Thread> callers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      Thread t = new Thread(() -> {
        ServiceEntry<Svc> e = directory.group(listener).get("orders");
        synchronized (seen) {
          seen.add(e);
        }
        assertThat(e.await(loop, woken::countDown)).isTrue();
      });
      callers.add(t);
      t.start();
    }
    for (Thread t : callers) {
      t.join(10_000);
    }

    gate.countDown();

    assertThat(woken.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(new HashSet<>(seen)).hasSize(1);
    assertThat(opens.get()).isEqualTo(1);
    assertThat(seen.get(0).service()).isNotNull();
    assertThat(seen.get(0).service().picker().backends()).hasSize(1);
  }

  @Test
  void firstRequestsWaitOnlyForTheFirstResolveTime() throws Exception {
    directory.close();
    directory = directory(100, Duration.ofMinutes(10), Duration.ofMillis(200));
    gated = true;
    ServiceEntry<Svc> e = directory.group(listener).get("slow");
    CountDownLatch woken = new CountDownLatch(1);

    assertThat(e.await(loop, woken::countDown)).isTrue();

    assertThat(woken.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(e.service()).as("still opening: the request is answered 503").isNull();
    assertThat(e.failed()).isFalse();
    assertThat(e.await(loop, () -> { })).as("later requests do not wait again").isFalse();
    gate.countDown();
    await().atMost(Duration.ofSeconds(10)).until(() -> e.service() != null);
  }

  @Test
  void leastRecentlyUsedServiceIsClosedBeyondMaxServices() throws Exception {
    directory.close();
    directory = directory(2, Duration.ofMinutes(10), Duration.ofSeconds(5));
    register("a", 1001);
    register("b", 1002);
    register("c", 1003);
    ServiceEntry<Svc> a = opened("a");
    tick(Duration.ofSeconds(1));
    ServiceEntry<Svc> b = opened("b");
    tick(Duration.ofSeconds(1));
    directory.group(listener).get("a").touch();
    tick(Duration.ofSeconds(1));

    ServiceEntry<Svc> c = opened("c");

    assertThat(b.closed()).isTrue();
    assertThat(a.closed()).isFalse();
    assertThat(c.closed()).isFalse();
    assertThat(directory.dynamicCount()).isEqualTo(2);
    assertThat(directory.closedBeyondBound()).isEqualTo(1);
    ServiceEntry<Svc> again = b.live();
    assertThat(again).as("a closed service opens anew on its next request").isNotSameAs(b);
    await().atMost(Duration.ofSeconds(10)).until(() -> again.service() != null);
  }

  @Test
  void servicesWithoutInstancesAreClosedFirstSoMadeUpNamesCannotPushOutRealOnes() throws Exception {
    directory.close();
    directory = directory(2, Duration.ofMinutes(10), Duration.ofSeconds(5));
    register("real", 1001);
    register("other", 1002);
    ServiceEntry<Svc> real = opened("real");
    tick(Duration.ofSeconds(1));
    ServiceEntry<Svc> ghost = opened("no-such-service");
    tick(Duration.ofSeconds(1));

    opened("other");

    assertThat(ghost.closed()).as("more recently used, but without instances").isTrue();
    assertThat(real.closed()).isFalse();
  }

  @Test
  void idleServiceIsClosedButNotOneWithARequestInFlight() throws Exception {
    register("a", 1001);
    register("b", 1002);
    ServiceEntry<Svc> a = opened("a");
    ServiceEntry<Svc> b = opened("b");
    Backend inFlight = requireNonNull(requireNonNull(b.service()).picker().pick((CharSequence) null));
    tick(Duration.ofMinutes(11));

    sweep();

    assertThat(a.closed()).isTrue();
    assertThat(b.closed()).as("a request is in flight").isFalse();
    assertThat(directory.closedIdle()).isEqualTo(1);
    inFlight.endpoint().release();
    tick(Duration.ofMinutes(11));
    sweep();
    assertThat(b.closed()).isTrue();
  }

  @Test
  void requestInFlightOnAClosedServiceStillReportsItsOutcome() throws Exception {
    register("a", 1001);
    ServiceEntry<Svc> a = opened("a");
    Backend picked = requireNonNull(requireNonNull(a.service()).picker().pick((CharSequence) null));
    directory.close();

    picked.endpoint().onSuccess(1_000_000);

    assertThat(a.closed()).isTrue();
    assertThat(picked.requests()).isEqualTo(1);
  }

  @Test
  void pinnedServicesStayOpenUncountedAndAreSharedByPlaceholders() throws Exception {
    register("fixed", 1001);
    ServiceEntry<Svc> pinned = directory.pinned(listener.withService("fixed"));
    tick(Duration.ofDays(1));

    sweep();

    assertThat(pinned.closed()).isFalse();
    assertThat(directory.dynamicCount()).isZero();
    assertThat(directory.group(listener).get("fixed")).isSameAs(pinned);
  }

  @Test
  void opensBeyondThePendingBoundAreRefusedAtOnceWithoutAskingTheRegistry() throws Exception {
    gated = true;
    Set<ServiceEntry<Svc>> pending = new HashSet<>();
    pending.add(directory.group(listener).get("s-first"));
    await().atMost(Duration.ofSeconds(10)).until(() -> opens.get() == 1); // the thread is busy with it
    for (int i = 0; i < ServiceDirectory.MAX_PENDING_OPENS; i++) {
      pending.add(directory.group(listener).get("s-" + i));
    }

    ServiceEntry<Svc> refused = directory.group(listener).get("one-too-many");

    assertThat(refused.failed()).isTrue();
    assertThat(refused.service()).isNull();
    assertThat(pending).noneMatch(ServiceEntry::failed);
    assertThat(directory.entries()).doesNotContain(refused);
    gate.countDown();
    await().atMost(Duration.ofSeconds(30)).until(() -> opens.get() == ServiceDirectory.MAX_PENDING_OPENS + 1);
  }
}
