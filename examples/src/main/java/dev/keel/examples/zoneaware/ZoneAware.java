package dev.keel.examples.zoneaware;

import dev.keel.balancer.Balancer;
import dev.keel.balancer.BalancerConfig;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.PickArgs;
import dev.keel.registry.Registration;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Selects the custom {@code zone-aware} policy ({@link ZoneAwarePolicy}) by name: four instances of
 * {@code orders}, two in zone {@code a} and two in {@code b}; a caller in zone {@code a} picks only
 * the zone-a ones, and falls back to zone {@code b} once zone {@code a}'s leave.
 *
 * <pre>
 * mvn -B -q -pl examples -am package -DskipTests -Pexample -Dexample.main=dev.keel.examples.zoneaware.ZoneAware -Dkeel.zone=a
 * </pre>
 */
public final class ZoneAware {
  private ZoneAware() {}

  public static void main(String[] args) throws Exception {
    if (ZoneAwarePolicy.callerZone() == null) {
      System.setProperty("keel.zone", "a"); // the caller's zone, as a deployment would set it
    }
    run(100, System.out);
  }

  /** Picks {@code picks} times before and after zone a's instances leave, and prints the splits. */
  static void run(int picks, PrintStream out) throws Exception {
    out.println("caller zone: " + ZoneAwarePolicy.callerZone());
    try (RegistryClient registry = Registries.open("memory://zone-aware")) {
      List<Registration> zoneA = new ArrayList<>();
      zoneA.add(registry.register(instance("a-1", "a", 9001)));
      zoneA.add(registry.register(instance("a-2", "a", 9002)));
      registry.register(instance("b-1", "b", 9003));
      registry.register(instance("b-2", "b", 9004));

      BalancerConfig config = BalancerConfig.builder()
          .policy(ZoneAwarePolicy.NAME)          // found through ServiceLoader
          .slowStartWindow(Duration.ZERO)        // so the split after the change is not ramped
          .build();
      try (Balancer balancer = Balancer.builder(registry, "orders").config(config).build()) {
        out.println("all four up:       " + split(balancer, picks));
        zoneA.forEach(Registration::close);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (balancer.state().members().size() != 2 && System.nanoTime() < deadline) {
          Thread.sleep(10); // membership changes reach the balancer asynchronously
        }
        out.println("zone a gone:       " + split(balancer, picks));
      }
    }
  }

  private static Map<String, Integer> split(Balancer balancer, int picks) {
    Map<String, Integer> split = new TreeMap<>();
    for (int i = 0; i < picks; i++) {
      Endpoint e = balancer.pick(PickArgs.ANY);
      if (e == null) {
        split.merge("(none)", 1, Integer::sum);
        continue;
      }
      split.merge(e.instance().id(), 1, Integer::sum);
      e.onSuccess(1_000_000); // every pick is reported exactly once
    }
    return split;
  }

  private static ServiceInstance instance(String id, String zone, int port) {
    return ServiceInstance.builder().service("orders").id(id).host("127.0.0.1").port(port)
        .metadata(Map.of(ZoneAwarePolicy.ZONE_KEY, zone)).build();
  }
}
