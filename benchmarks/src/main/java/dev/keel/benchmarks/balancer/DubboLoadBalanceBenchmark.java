package dev.keel.benchmarks.balancer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.dubbo.common.URL;
import org.apache.dubbo.rpc.Invocation;
import org.apache.dubbo.rpc.Invoker;
import org.apache.dubbo.rpc.Result;
import org.apache.dubbo.rpc.RpcInvocation;
import org.apache.dubbo.rpc.RpcStatus;
import org.apache.dubbo.rpc.cluster.LoadBalance;
import org.apache.dubbo.rpc.cluster.loadbalance.ConsistentHashLoadBalance;
import org.apache.dubbo.rpc.cluster.loadbalance.LeastActiveLoadBalance;
import org.apache.dubbo.rpc.cluster.loadbalance.RandomLoadBalance;
import org.apache.dubbo.rpc.cluster.loadbalance.RoundRobinLoadBalance;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Apache Dubbo 3.3's {@code LoadBalance} implementations on the same endpoints (same hosts and
 * weights) through minimal stubs: an {@link Invoker} that only carries its URL, and one {@link
 * RpcInvocation} per affinity key (ConsistentHash hashes the first argument). {@code leastactive}
 * also counts the call with {@link RpcStatus} begin/end, which is how Dubbo feeds it (its
 * ActiveLimitFilter); the other Dubbo policies take no feedback.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DubboLoadBalanceBenchmark {
  private static final String METHOD = "sayHello";

  @Param({"10", "100", "1000"})
  public int endpoints;

  @Param({"roundrobin", "random", "leastactive", "consistenthash"})
  public String policy;

  private LoadBalance loadBalance;
  private List<Invoker<Object>> invokers;
  private URL consumerUrl;
  private Invocation[] invocations;
  private boolean countActive;
  private int next;

  /** An invoker that is only an address: Dubbo's balancers read nothing else. */
  private record StubInvoker(URL url) implements Invoker<Object> {
    @Override
    public Class<Object> getInterface() {
      return Object.class;
    }

    @Override
    public Result invoke(Invocation invocation) {
      throw new UnsupportedOperationException("benchmark stub");
    }

    @Override
    public URL getUrl() {
      return url;
    }

    @Override
    public boolean isAvailable() {
      return true;
    }

    @Override
    public void destroy() {}
  }

  @Setup(Level.Trial)
  public void setUp() {
    loadBalance = switch (policy) {
      case "roundrobin" -> new RoundRobinLoadBalance();
      case "random" -> new RandomLoadBalance();
      case "leastactive" -> new LeastActiveLoadBalance();
      case "consistenthash" -> new ConsistentHashLoadBalance();
      default -> throw new IllegalArgumentException("policy: " + policy);
    };
    countActive = policy.equals("leastactive");
    invokers = new ArrayList<>(endpoints);
    for (int i = 0; i < endpoints; i++) {
      invokers.add(new StubInvoker(URL.valueOf("dubbo://" + Endpoints.host(i) + ":20880/"
          + Endpoints.SERVICE + "?weight=" + Endpoints.weight(i))));
    }
    consumerUrl = URL.valueOf("consumer://10.9.9.9/" + Endpoints.SERVICE);
    String[] keys = Endpoints.keys();
    invocations = new Invocation[keys.length];
    for (int k = 0; k < keys.length; k++) {
      invocations[k] = new RpcInvocation(null, METHOD, Endpoints.SERVICE, "", new Class<?>[] {String.class},
          new Object[] {keys[k]}); // no ServiceModel, as the deprecated constructor without one passes
    }
  }

  @Benchmark
  public Invoker<Object> select() {
    Invocation invocation = invocations[next++ & (Endpoints.KEYS - 1)];
    Invoker<Object> chosen = loadBalance.select(invokers, consumerUrl, invocation);
    if (countActive) {
      RpcStatus.beginCount(chosen.getUrl(), METHOD);
      RpcStatus.endCount(chosen.getUrl(), METHOD, 1, true);
    }
    return chosen;
  }
}
