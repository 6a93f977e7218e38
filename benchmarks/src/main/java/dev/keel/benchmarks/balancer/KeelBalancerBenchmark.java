package dev.keel.benchmarks.balancer;

import static java.util.Objects.requireNonNull;

import dev.keel.balancer.Balancer;
import dev.keel.balancer.BalancerConfig;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.PickArgs;
import dev.keel.registry.Discovery;
import dev.keel.registry.InstanceSet;
import dev.keel.registry.Subscription;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * One request's worth of balancer work: pick an endpoint and report success with a latency.
 * Single-threaded; the endpoint set is fixed, so no picker is rebuilt during a measurement.
 *
 * <ul>
 *   <li>{@code pickAndReport}: the hot path, {@code pick(key)} with an affinity key.
 *   <li>{@code pinAndReport}: session persistence, {@code pick(PickArgs)} pinned to an instance id
 *       and keyed, the arguments built per request as a proxy does from a cookie.
 *   <li>{@code retryAndReport}: a retry, {@code pick(PickArgs)} excluding the endpoint tried first.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class KeelBalancerBenchmark {
  @Param({"10", "100", "1000"})
  public int endpoints;

  @Param({"round-robin", "random", "least-request", "least-response-time", "ring-hash"})
  public String policy;

  private Balancer balancer;
  private String[] keys;
  private String[] ids;
  private PickArgs retry;
  private int next;

  @Setup(Level.Trial)
  public void setUp() {
    InstanceSet set = InstanceSet.of(Endpoints.SERVICE, Endpoints.instances(endpoints), 1);
    Discovery fixed = new Discovery() {
      @Override
      public InstanceSet resolve(String service) {
        return set;
      }

      @Override
      public Subscription watch(String service, Consumer<InstanceSet> listener) {
        listener.accept(set);
        return () -> {};
      }
    };
    balancer = Balancer.builder(fixed, Endpoints.SERVICE)
        .config(BalancerConfig.builder().policy(policy).build())
        .random(new SplittableRandom(1))
        .build();
    keys = Endpoints.keys();
    ids = new String[Endpoints.KEYS];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = balancer.state().members().get(i % endpoints).id();
    }
    retry = PickArgs.builder().exclude(java.util.List.of(balancer.state().members().get(0))).build();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    balancer.close();
  }

  @Benchmark
  public Endpoint pickAndReport() {
    Endpoint e = requireNonNull(balancer.pick(keys[next++ & (Endpoints.KEYS - 1)]));
    e.onSuccess(1_000_000);
    return e;
  }

  @Benchmark
  public Endpoint pinAndReport() {
    int i = next++ & (Endpoints.KEYS - 1);
    Endpoint e = requireNonNull(balancer.pick(PickArgs.builder().pinned(ids[i]).key(keys[i]).build()));
    e.onSuccess(1_000_000);
    return e;
  }

  @Benchmark
  public Endpoint retryAndReport() {
    Endpoint e = requireNonNull(balancer.pick(retry));
    e.onSuccess(1_000_000);
    return e;
  }
}
