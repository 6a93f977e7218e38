package dev.keel.benchmarks.grpc;

import dev.keel.grpc.KeelGrpc;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.ChannelLogger;
import io.grpc.ClientStreamTracer;
import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerRegistry;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
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
 * a stand-in helper. Single-threaded; nothing changes during a measurement.
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
  private Helper helper;
  private LoadBalancer.PickSubchannelArgs args;
  private ClientStreamTracer.StreamInfo info;
  private final Metadata headers = new Metadata();

  @Setup(Level.Trial)
  public void setUp() {
    helper = new Helper();
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
    helper.sync.execute(() -> lb.acceptResolvedAddresses(resolved));
    for (Subchannel s : helper.subchannels) {
      helper.sync.execute(() -> s.listener.onSubchannelState(ConnectivityStateInfo.forNonError(ConnectivityState.CONNECTING)));
      helper.sync.execute(() -> s.listener.onSubchannelState(ConnectivityStateInfo.forNonError(ConnectivityState.READY)));
    }
    if (helper.state != ConnectivityState.READY) {
      throw new IllegalStateException(policy + ": not READY after every subchannel is: " + helper.state);
    }
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
    helper.sync.execute(lb::shutdown);
  }

  /** What the channel asks of the policy per RPC: a pick, then the tracer of the stream it creates. */
  @Benchmark
  public Object pickAndTrace() {
    LoadBalancer.PickResult result = helper.picker.pickSubchannel(args);
    ClientStreamTracer.Factory factory = result.getStreamTracerFactory();
    if (factory != null) {
      ClientStreamTracer tracer = factory.newClientStreamTracer(info, headers);
      tracer.streamClosed(Status.OK);
    }
    return result.getSubchannel();
  }

  private static final class Helper extends LoadBalancer.Helper {
    final SynchronizationContext sync = new SynchronizationContext((t, e) -> {
      throw new IllegalStateException(e);
    });
    final List<Subchannel> subchannels = new ArrayList<>();
    volatile LoadBalancer.SubchannelPicker picker;
    volatile ConnectivityState state;

    @Override
    public LoadBalancer.Subchannel createSubchannel(LoadBalancer.CreateSubchannelArgs args) {
      Subchannel s = new Subchannel(args);
      subchannels.add(s);
      return s;
    }

    @Override
    public ManagedChannel createOobChannel(EquivalentAddressGroup eag, String authority) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void updateBalancingState(ConnectivityState newState, LoadBalancer.SubchannelPicker newPicker) {
      state = newState;
      picker = newPicker;
    }

    @Override
    public SynchronizationContext getSynchronizationContext() {
      return sync;
    }

    @Override
    public String getAuthority() {
      return "bench";
    }

    @Override
    public ChannelLogger getChannelLogger() {
      return new ChannelLogger() {
        @Override
        public void log(ChannelLogLevel level, String message) {}

        @Override
        public void log(ChannelLogLevel level, String messageFormat, Object... args) {}
      };
    }

    @Override
    public void refreshNameResolution() {}
  }

  private static final class Subchannel extends LoadBalancer.Subchannel {
    private final LoadBalancer.CreateSubchannelArgs args;
    LoadBalancer.SubchannelStateListener listener;

    Subchannel(LoadBalancer.CreateSubchannelArgs args) {
      this.args = args;
    }

    @Override
    public void start(LoadBalancer.SubchannelStateListener listener) {
      this.listener = listener;
    }

    @Override
    public void shutdown() {}

    @Override
    public void requestConnection() {}

    @Override
    public List<EquivalentAddressGroup> getAllAddresses() {
      return args.getAddresses();
    }

    @Override
    public Attributes getAttributes() {
      return args.getAttributes();
    }
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
