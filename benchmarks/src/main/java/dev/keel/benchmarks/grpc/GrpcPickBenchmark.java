package dev.keel.benchmarks.grpc;

import dev.keel.grpc.KeelGrpc;
import dev.keel.grpc.testing.FakeHelper;
import io.grpc.CallOptions;
import io.grpc.ClientStreamTracer;
import io.grpc.ConnectivityState;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerRegistry;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
 * The load balancer's share of one RPC, without the network: the channel's pick ({@code
 * pickSubchannel}) and, where the policy attaches one, its stream tracer's life (created with the
 * stream, closed with OK) — for grpc-java's {@code round_robin} and Keel's {@code keel}, each made
 * through grpc-java's own {@link LoadBalancerRegistry} over {@code endpoints} READY subchannels of
 * a stand-in helper (keel-grpc's test fixture {@link FakeHelper}). Single-threaded; nothing changes during a measurement.
 *
 * <pre>
 * java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) org.openjdk.jmh.Main \
 *   'dev.keel.benchmarks.grpc.GrpcPickBenchmark' -f 1 -wi 3 -i 5 -w 1s -r 1s -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class GrpcPickBenchmark {
  @Param({"4", "100"})
  public int endpoints;

  @Param({"round_robin", "keel:round-robin", "keel:least-request"})
  public String policy;

  private LoadBalancer lb;
  private FakeHelper helper;
  private LoadBalancer.SubchannelPicker picker;
  private LoadBalancer.PickSubchannelArgs args;
  private ClientStreamTracer.StreamInfo info;
  private final Metadata headers = new Metadata();

  @Setup(Level.Trial)
  public void setUp() {
    helper = new FakeHelper("bench");
    String name = policy.startsWith("keel") ? KeelGrpc.POLICY : policy;
    io.grpc.LoadBalancerProvider provider = LoadBalancerRegistry.getDefaultRegistry().getProvider(name);
    Object config = null;
    if (policy.startsWith("keel:")) {
      config = provider.parseLoadBalancingPolicyConfig(Map.of("policy", policy.substring(5), "slowStartWindow", "0s"))
          .getConfig();
    }
    lb = provider.newLoadBalancer(helper);
    List<EquivalentAddressGroup> addresses = new ArrayList<>();
    for (int i = 0; i < endpoints; i++) {
      addresses.add(new EquivalentAddressGroup(new InetSocketAddress("127.0.0.1", 10_000 + i)));
    }
    LoadBalancer.ResolvedAddresses resolved = LoadBalancer.ResolvedAddresses.newBuilder()
        .setAddresses(addresses).setLoadBalancingPolicyConfig(config).build();
    helper.getSynchronizationContext().execute(() -> lb.acceptResolvedAddresses(resolved));
    for (FakeHelper.FakeSubchannel s : helper.subchannels()) {
      s.set(ConnectivityState.CONNECTING);
      s.set(ConnectivityState.READY);
    }
    if (helper.state() != ConnectivityState.READY) {
      throw new IllegalStateException(policy + ": not READY after every subchannel is: " + helper.state());
    }
    picker = helper.picker();
    MethodDescriptor<Void, Void> method = MethodDescriptor.<Void, Void>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY).setFullMethodName("bench/Pick")
        .setRequestMarshaller(new VoidMarshaller()).setResponseMarshaller(new VoidMarshaller()).build();
    args = new LoadBalancer.PickSubchannelArgs() {
      @Override
      public CallOptions getCallOptions() {
        return CallOptions.DEFAULT;
      }

      @Override
      public Metadata getHeaders() {
        return headers;
      }

      @Override
      public MethodDescriptor<?, ?> getMethodDescriptor() {
        return method;
      }
    };
    info = ClientStreamTracer.StreamInfo.newBuilder().build();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    helper.getSynchronizationContext().execute(lb::shutdown);
  }

  /** What the channel asks of the policy per RPC: a pick, then the tracer of the stream it creates. */
  @Benchmark
  public Object pickAndTrace() {
    LoadBalancer.PickResult result = picker.pickSubchannel(args);
    ClientStreamTracer.Factory factory = result.getStreamTracerFactory();
    if (factory != null) {
      ClientStreamTracer tracer = factory.newClientStreamTracer(info, headers);
      tracer.streamClosed(Status.OK);
    }
    return result.getSubchannel();
  }

  private static final class VoidMarshaller implements MethodDescriptor.Marshaller<Void> {
    @Override
    public java.io.InputStream stream(Void value) {
      return java.io.InputStream.nullInputStream();
    }

    @Override
    public Void parse(java.io.InputStream stream) {
      return null;
    }
  }
}
