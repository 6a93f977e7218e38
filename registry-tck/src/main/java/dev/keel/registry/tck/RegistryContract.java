package dev.keel.registry.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.Registration;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryLimits;
import dev.keel.registry.ServiceInstance;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The contract every registry adapter must honour, run against a real server.
 *
 * <p>To prove an adapter, extend this class in its tests and implement {@link #newClient()}: a new
 * client, opened the way users open it (through {@code Registries.open} or the adapter's builder,
 * so the shared guards are on), against one server that lives at least as long as the test.
 * Override {@link #restartServer()} and {@link #loseSession(RegistryClient)} where the server can
 * do that; the cases that need them are otherwise reported as aborted with the reason. An adapter
 * whose registry refuses large metadata declares it in {@link RegistryClient#limits()}: the metadata
 * cases then fill the limit exactly, and {@code invalidInputsAreRejectedNamingTheField} proves that an
 * instance over it is refused at once and changes nothing.
 *
 * <p>Every case uses service names of its own, so cases may share one server. Clients made through
 * {@link #client()} are closed after each case.
 */
@Timeout(120)
public abstract class RegistryContract extends WatchContract {
  /** Registering then resolving returns the instance as registered. */
  @Test
  void registeredInstanceIsResolved() {
    RegistryClient c = client();
    String s = service("orders");
    ServiceInstance i = instance(s, "i-1", 9001);
    Registration r = c.register(i);
    assertThat(r.instance()).isEqualTo(i);
    awaitIds(c, s, "i-1");
    assertThat(c.resolve(s).instances()).containsExactly(i);
  }

  /** Listing services finds a name as it was registered, capitals included (URL hosts come lower-cased). */
  @Test
  void servicesListsAServiceByTheNameItWasRegisteredWith() {
    RegistryClient c = client();
    String s = service("MixedCase");
    c.register(instance(s, "i-1", 9001));
    awaitIds(c, s, "i-1");
    try {
      c.services();
    } catch (UnsupportedOperationException e) {
      unsupported("listing services");
    }
    waiting().ignoreExceptions().untilAsserted(() -> assertThat(c.services()).contains(s));
  }

  @Test
  void resolvingAServiceNobodyRegisteredIsEmpty() {
    assertThat(client().resolve(service("nobody")).instances()).isEmpty();
  }

  @Test
  void closingARegistrationDeregisters() {
    RegistryClient c = client();
    String s = service("orders");
    Registration r = c.register(instance(s, "i-1", 9001));
    c.register(instance(s, "i-2", 9002));
    awaitIds(c, s, "i-1", "i-2");
    r.close();
    awaitIds(c, s, "i-2");
  }

  @Test
  void deregisteringTwiceIsHarmless() {
    RegistryClient c = client();
    String s = service("orders");
    Registration r = c.register(instance(s, "i-1", 9001));
    awaitIds(c, s, "i-1");
    r.close();
    r.close();
    awaitIds(c, s);
  }

  @Test
  void instancesAreSortedById() {
    RegistryClient c = client();
    String s = service("orders");
    c.register(instance(s, "b", 9002));
    c.register(instance(s, "c", 9003));
    c.register(instance(s, "a", 9001));
    awaitIds(c, s, "a", "b", "c");
  }

  @Test
  void idDefaultsToHostAndPort() {
    RegistryClient c = client();
    String s = service("orders");
    ServiceInstance i = ServiceInstance.builder().service(s).host("127.0.0.1").port(9001).build();
    c.register(i);
    awaitIds(c, s, "127.0.0.1:9001");
    assertThat(c.resolve(s).instances().get(0).address()).isEqualTo("127.0.0.1:9001");
  }

  @Test
  void weightsRoundTrip() {
    RegistryClient c = client();
    String s = service("weights");
    int[] weights = {0, 1, 37, 100, 9999, 10_000};
    for (int w : weights) {
      c.register(instance(s, "w" + w, 9000 + (w % 1000)).toBuilder().weight(w).build());
    }
    waiting().ignoreExceptions().untilAsserted(() -> assertThat(c.resolve(s).size()).isEqualTo(weights.length));
    for (int w : weights) {
      assertThat(c.resolve(s).get("w" + w)).as("instance w%d", w).isNotNull()
          .extracting(ServiceInstance::weight).isEqualTo(w);
    }
  }

  @Test
  void unicodeMetadataRoundTrips() {
    Map<String, String> meta = Map.of("zone", "eu-west-1a", "描述", "负载均衡 ✓", "emoji", "🚀 go", "quote", "a\"b\\c");
    assertMetadataRoundTrips(meta);
  }

  @Test
  void emptyMetadataValuesRoundTrip() {
    assertMetadataRoundTrips(Map.of("empty", "", "version", "1.2.3"));
  }

  /**
   * A hundred keys: {@code key-N = value-N}, or, when the client's {@link RegistryLimits} hold less,
   * a hundred entries that fill the limit exactly, so that the whole allowance is proven.
   */
  @Test
  void hundredMetadataKeysRoundTrip() {
    RegistryClient c = client();
    Map<String, String> meta = new LinkedHashMap<>();
    for (int k = 0; k < 100; k++) {
      meta.put("key-" + k, "value-" + k);
    }
    RegistryLimits limits = c.limits();
    if (RegistryLimits.metadataChars(instance("s", "i-1", 9001).toBuilder().metadata(meta).build())
        > limits.maxMetadataChars()) {
      meta = metadataFilling(limits.maxMetadataChars() - "i-1".length(), 100);
      assertThat(RegistryLimits.metadataChars(instance("s", "i-1", 9001).toBuilder().metadata(meta).build()))
          .isEqualTo(limits.maxMetadataChars());
    }
    assertMetadataRoundTrips(c, meta);
  }

  /** The instance {@code id} of {@code set}; fails the test when it is missing. */
  private static ServiceInstance member(InstanceSet set, String id) {
    ServiceInstance i = set.get(id);
    if (i == null) {
      throw new AssertionError("no instance " + id + " in " + set);
    }
    return i;
  }

  private void assertMetadataRoundTrips(Map<String, String> meta) {
    assertMetadataRoundTrips(client(), meta);
  }

  private void assertMetadataRoundTrips(RegistryClient c, Map<String, String> meta) {
    String s = service("meta");
    c.register(instance(s, "i-1", 9001).toBuilder().metadata(meta).build());
    awaitIds(c, s, "i-1");
    assertThat(member(c.resolve(s), "i-1").metadata()).containsAllEntriesOf(meta);
  }

  @Test
  void registeringTheSameIdAgainReplacesTheInstance() {
    RegistryClient c = client();
    String s = service("orders");
    Registration first = c.register(instance(s, "i-1", 9001).toBuilder().weight(10).build());
    Registration second = c.register(instance(s, "i-1", 9001).toBuilder().weight(20).build());
    waiting().ignoreExceptions().untilAsserted(() -> {
      InstanceSet set = c.resolve(s);
      assertThat(set.size()).isEqualTo(1);
      assertThat(member(set, "i-1").weight()).isEqualTo(20);
    });
    first.close(); // superseded: does nothing
    assertThat(c.resolve(s).get("i-1")).isNotNull();
    second.close();
    awaitIds(c, s);
  }

  /**
   * An update changes the instance in place: another client's watch sees it change and never sees
   * it gone. (A second instance keeps the set non-empty, so the guards' hold on emptying pushes
   * cannot hide a deregistration followed by a registration.)
   */
  @Test
  void updatingAnInstancesMetadataNeverShowsItAbsent() {
    RegistryClient owner = client();
    RegistryClient watcher = client();
    String s = service("update");
    Registration r = owner.register(instance(s, "i-1", 9001).toBuilder().putMetadata("n", "0").build());
    owner.register(instance(s, "i-2", 9002));
    Recorder recorder = new Recorder();
    watcher.watch(s, recorder);
    awaitIds(recorder, "i-1", "i-2");

    for (int n = 1; n <= 5; n++) {
      r.update(r.instance().toBuilder().weight(100 + n).putMetadata("n", String.valueOf(n)).build());
    }

    waiting().atMost(timeout()).untilAsserted(() -> {
      InstanceSet last = recorder.last();
      assertThat(last).isNotNull();
      ServiceInstance seen = last.get("i-1");
      assertThat(seen).isNotNull();
      assertThat(seen.metadata()).containsEntry("n", "5");
      assertThat(seen.weight()).isEqualTo(105);
    });
    assertThat(r.instance().metadata()).containsEntry("n", "5");
    assertThat(owner.resolve(s).get("i-1")).isEqualTo(r.instance());
    List<InstanceSet> received = recorder.received();
    int first = 0;
    while (!ids(received.get(first)).equals(List.of("i-1", "i-2"))) {
      first++;
    }
    assertThat(received.subList(first, received.size())).as("snapshots once both were seen")
        .allSatisfy(set -> assertThat(ids(set)).containsExactly("i-1", "i-2"));
  }

  @Test
  void anUpdateCanChangeNeitherTheIdNorTheAddress() {
    RegistryClient c = client();
    String s = service("update");
    Registration r = c.register(instance(s, "i-1", 9001));
    awaitIds(c, s, "i-1");
    assertThatThrownBy(() -> r.update(instance(s, "i-1", 9009))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("port").hasMessageContaining("9009");
    assertThatThrownBy(() -> r.update(instance(s, "i-2", 9001))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("id");
    assertThat(r.instance()).isEqualTo(instance(s, "i-1", 9001));
    assertThat(c.resolve(s).instances()).containsExactly(instance(s, "i-1", 9001));
  }

  @Test
  void aClosedOrSupersededRegistrationCannotBeUpdated() {
    RegistryClient c = client();
    String s = service("update");
    Registration closed = c.register(instance(s, "gone", 9001));
    closed.close();
    Registration first = c.register(instance(s, "i-1", 9002));
    Registration second = c.register(instance(s, "i-1", 9002).toBuilder().weight(20).build());
    awaitIds(c, s, "i-1");

    assertThatThrownBy(() -> closed.update(instance(s, "gone", 9001).toBuilder().weight(7).build()))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> first.update(instance(s, "i-1", 9002).toBuilder().weight(7).build()))
        .isInstanceOf(IllegalStateException.class);
    assertThat(second.instance().weight()).isEqualTo(20);
    ServiceInstance registered = c.resolve(s).get("i-1");
    assertThat(registered).isNotNull();
    assertThat(registered.weight()).isEqualTo(20);
    assertThat(c.resolve(s).get("gone")).isNull();
  }

  @Test
  void sameIdInTwoServicesAreIndependent() {
    RegistryClient c = client();
    String a = service("a");
    String b = service("b");
    Registration ra = c.register(instance(a, "i-1", 9001));
    c.register(instance(b, "i-1", 9002));
    awaitIds(c, a, "i-1");
    awaitIds(c, b, "i-1");
    ra.close();
    awaitIds(c, a);
    assertThat(member(c.resolve(b), "i-1").port()).isEqualTo(9002);
  }

  @Test
  void twoClientsSeeEachOthersRegistrations() {
    RegistryClient x = client();
    RegistryClient y = client();
    String s = service("shared");
    x.register(instance(s, "x-1", 9001));
    awaitIds(y, s, "x-1");
    y.register(instance(s, "y-1", 9002));
    awaitIds(x, s, "x-1", "y-1");
  }

  @Test
  void closingAClientRemovesItsRegistrations() throws Exception {
    RegistryClient owner = newClient();
    RegistryClient observer = client();
    String s1 = service("one");
    String s2 = service("two");
    try {
      owner.register(instance(s1, "i-1", 9001));
      owner.register(instance(s2, "i-2", 9002));
      observer.register(instance(s1, "keep", 9003));
      awaitIds(observer, s1, "i-1", "keep");
      awaitIds(observer, s2, "i-2");
    } finally {
      owner.close();
    }
    awaitIds(observer, s1, "keep");
    awaitIds(observer, s2);
  }

  @Test
  void thousandInstancesInOneService() {
    RegistryClient c = client();
    String s = service("big");
    for (int n = 0; n < 1000; n++) {
      c.register(instance(s, String.format(Locale.ROOT, "i-%04d", n), 10_000 + n));
    }
    Recorder r = new Recorder();
    c.watch(s, r);
    waiting().atMost(timeout().multipliedBy(2)).untilAsserted(() -> assertThat(r.last()).isNotNull()
        .extracting(InstanceSet::size).isEqualTo(1000));
    assertThat(r.latest().instances().get(999).id()).isEqualTo("i-0999");
  }

  @Test
  void fiftyServices() {
    RegistryClient c = client();
    List<String> services = new ArrayList<>();
    for (int n = 0; n < 50; n++) {
      String s = service("svc" + n);
      services.add(s);
      c.register(instance(s, "i-" + n, 9000 + n));
    }
    for (int n = 0; n < 50; n++) {
      awaitIds(c, services.get(n), "i-" + n);
    }
  }

  @Test
  void concurrentRegisterAndDeregisterFromEightThreads() throws Exception {
    RegistryClient c = client();
    String s = service("concurrent");
    List<Thread> threads = new ArrayList<>();
    List<Throwable> errors = java.util.Collections.synchronizedList(new ArrayList<>());
    CountDownLatch start = new CountDownLatch(1);
    for (int t = 0; t < 8; t++) {
      int thread = t;
      threads.add(new Thread(() -> {
        try {
          start.await();
          List<Registration> mine = new ArrayList<>();
          for (int n = 0; n < 20; n++) {
            mine.add(c.register(instance(s, "t" + thread + "-" + n, 20_000 + thread * 100 + n)));
          }
          for (int n = 0; n < 20; n += 2) {
            mine.get(n).close();
          }
        } catch (Throwable e) {
          errors.add(e);
        }
      }));
    }
    threads.forEach(Thread::start);
    start.countDown();
    for (Thread t : threads) {
      t.join(timeout().toMillis() * 4);
    }
    assertThat(errors).isEmpty();
    List<String> expected = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      for (int n = 1; n < 20; n += 2) {
        expected.add("t" + t + "-" + n);
      }
    }
    awaitIds(c, s, expected.stream().sorted().toArray(String[]::new));
  }

  @Test
  void invalidInputsAreRejectedNamingTheField() {
    RegistryClient c = client();
    assertThatThrownBy(() -> c.resolve(" ")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("service");
    assertThatThrownBy(() -> c.watch("", set -> { })).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("service");
    assertThatThrownBy(() -> ServiceInstance.builder().service("s").host("h").port(70000).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port").hasMessageContaining("70000");
    assertThatThrownBy(() -> ServiceInstance.builder().service("s").host("h").port(0).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port").hasMessageContaining("0");
    assertThatThrownBy(() -> ServiceInstance.builder().service(" ").host("h").port(1).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("service");
    assertThatThrownBy(() -> ServiceInstance.builder().service("s").host("h").port(1).weight(10_001).build())
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("weight").hasMessageContaining("10001");
    if (c.limits().limitsMetadata()) {
      assertOverTheLimitIsRefusedAndChangesNothing(c, c.limits().maxMetadataChars());
    }
  }

  /**
   * An instance over the registry's metadata limit, new, replacing one or updating one in place, is
   * refused at once naming the field, its size and the limit; the registry keeps what it had, and
   * later registrations work.
   */
  private void assertOverTheLimitIsRefusedAndChangesNothing(RegistryClient c, int limit) {
    String s = service("limits");
    ServiceInstance kept = instance(s, "i-1", 9001).toBuilder().metadata(Map.of("zone", "a")).build();
    Registration registration = c.register(kept);
    awaitIds(c, s, "i-1");
    ServiceInstance grown = kept.toBuilder().metadata(metadataFilling(limit, 2)).putMetadata("zone", "a").build();
    int grownSize = RegistryLimits.metadataChars(grown);
    assertThatThrownBy(() -> registration.update(grown)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("metadata").hasMessageContaining(String.valueOf(grownSize))
        .hasMessageContaining(String.valueOf(limit));
    assertThat(registration.instance()).isEqualTo(kept);
    ServiceInstance replacement = kept.toBuilder().metadata(metadataFilling(limit, 1)).build();
    ServiceInstance added = instance(s, "i-2", 9002).toBuilder().metadata(metadataFilling(limit, 10)).build();
    for (ServiceInstance tooBig : List.of(replacement, added)) {
      int size = RegistryLimits.metadataChars(tooBig);
      assertThat(size).isGreaterThan(limit);
      assertThatThrownBy(() -> c.register(tooBig)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("metadata").hasMessageContaining(String.valueOf(size))
          .hasMessageContaining(String.valueOf(limit));
    }
    c.register(instance(s, "i-3", 9003)); // sent after anything a refused call could have sent
    awaitIds(c, s, "i-1", "i-3");
    assertThat(c.resolve(s).get("i-1")).isEqualTo(kept);
  }

  @Test
  void closedClientRefusesWork() throws Exception {
    RegistryClient c = newClient();
    c.close();
    c.close();
    String s = service("closed");
    assertThatThrownBy(() -> c.register(instance(s, "i-1", 9001))).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> c.watch(s, set -> { })).isInstanceOf(IllegalStateException.class);
  }
}
