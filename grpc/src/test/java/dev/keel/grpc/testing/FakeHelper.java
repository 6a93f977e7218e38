package dev.keel.grpc.testing;

import io.grpc.Attributes;
import io.grpc.ChannelLogger;
import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * A stand-in for the channel a load balancer runs in: subchannels that never connect by themselves
 * (the test moves them through their states), a real {@link SynchronizationContext}, and the last
 * state and picker the balancer published. For unit tests and benchmarks of load balancers.
 */
public final class FakeHelper extends LoadBalancer.Helper {
  private final String authority;
  private final SynchronizationContext sync = new SynchronizationContext((t, e) -> {
    throw new IllegalStateException("uncaught in the synchronization context", e);
  });
  private final List<FakeSubchannel> subchannels = new CopyOnWriteArrayList<>();
  private volatile @Nullable ConnectivityState state;
  private volatile LoadBalancer.@Nullable SubchannelPicker picker;
  private final AtomicInteger updates = new AtomicInteger();

  public FakeHelper(String authority) {
    this.authority = authority;
  }

  /** One subchannel: its addresses, whether it was asked to connect or shut down, and its listener. */
  public final class FakeSubchannel extends LoadBalancer.Subchannel {
    private final LoadBalancer.CreateSubchannelArgs args;
    private volatile LoadBalancer.@Nullable SubchannelStateListener listener;
    private final AtomicInteger connectionRequests = new AtomicInteger();
    private volatile boolean shutdown;

    FakeSubchannel(LoadBalancer.CreateSubchannelArgs args) {
      this.args = args;
    }

    @Override
    public void start(LoadBalancer.SubchannelStateListener listener) {
      this.listener = listener;
    }

    @Override
    public void shutdown() {
      shutdown = true;
    }

    @Override
    public void requestConnection() {
      connectionRequests.incrementAndGet();
    }

    @Override
    public List<EquivalentAddressGroup> getAllAddresses() {
      return args.getAddresses();
    }

    @Override
    public Attributes getAttributes() {
      return args.getAttributes();
    }

    /** Moves it to {@code state}, as the transport would, on the synchronization context. */
    public void set(ConnectivityState state) {
      deliver(ConnectivityStateInfo.forNonError(state));
    }

    /** TRANSIENT_FAILURE with {@code error}. */
    public void fail(Status error) {
      deliver(ConnectivityStateInfo.forTransientFailure(error));
    }

    private void deliver(ConnectivityStateInfo info) {
      LoadBalancer.SubchannelStateListener l = listener;
      if (l == null) {
        throw new IllegalStateException("subchannel not started");
      }
      sync.execute(() -> l.onSubchannelState(info));
    }

    public boolean isShutdown() {
      return shutdown;
    }

    public int connectionRequests() {
      return connectionRequests.get();
    }
  }

  @Override
  public LoadBalancer.Subchannel createSubchannel(LoadBalancer.CreateSubchannelArgs args) {
    FakeSubchannel s = new FakeSubchannel(args);
    subchannels.add(s);
    return s;
  }

  @Override
  public ManagedChannel createOobChannel(EquivalentAddressGroup eag, String authority) {
    throw new UnsupportedOperationException("createOobChannel");
  }

  @Override
  public void updateBalancingState(ConnectivityState newState, LoadBalancer.SubchannelPicker newPicker) {
    state = newState;
    picker = newPicker;
    updates.incrementAndGet();
  }

  @Override
  public SynchronizationContext getSynchronizationContext() {
    return sync;
  }

  @Override
  public String getAuthority() {
    return authority;
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

  /** The arguments of one call of {@link Echo#WHO}, with {@code options} and no headers. */
  public static LoadBalancer.PickSubchannelArgs args(io.grpc.CallOptions options) {
    io.grpc.Metadata headers = new io.grpc.Metadata();
    return new LoadBalancer.PickSubchannelArgs() {
      @Override
      public io.grpc.CallOptions getCallOptions() {
        return options;
      }

      @Override
      public io.grpc.Metadata getHeaders() {
        return headers;
      }

      @Override
      public io.grpc.MethodDescriptor<?, ?> getMethodDescriptor() {
        return Echo.WHO;
      }
    };
  }

  /** The subchannel the current picker answers with, or null (an error or "wait"). */
  public @Nullable FakeSubchannel pick() {
    LoadBalancer.Subchannel s = picker().pickSubchannel(args(io.grpc.CallOptions.DEFAULT)).getSubchannel();
    return s == null ? null : (FakeSubchannel) s;
  }

  /** Every subchannel created so far, in order. */
  public List<FakeSubchannel> subchannels() {
    return subchannels;
  }

  public @Nullable ConnectivityState state() {
    return state;
  }

  /** The last picker published; fails when none was. */
  public LoadBalancer.SubchannelPicker picker() {
    LoadBalancer.SubchannelPicker p = picker;
    if (p == null) {
      throw new IllegalStateException("no picker published yet");
    }
    return p;
  }

  /** How many times the balancer published a state. */
  public int updates() {
    return updates.get();
  }
}
