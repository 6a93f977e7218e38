package dev.keel.grpc.internal;

import dev.keel.balancer.Balancer;
import dev.keel.balancer.Endpoint;
import dev.keel.grpc.KeelGrpc;
import io.grpc.LoadBalancer.PickResult;
import io.grpc.LoadBalancer.PickSubchannelArgs;
import io.grpc.LoadBalancer.SubchannelPicker;
import io.grpc.Metadata;
import io.grpc.Status;
import org.jspecify.annotations.Nullable;

/**
 * Per RPC: Keel's balancer picks, the endpoint's attachment gives its READY subchannel's
 * cached {@link PickResult}. Lock-free; allocates nothing but what a header key read decodes. One
 * instance per balancer: it reads the balancer's current picker on every call, so it stays valid
 * as membership changes and the load balancer re-offers it to wake RPCs waiting for a pick.
 *
 * <p>The pick is released at once: the request is counted in flight when the stream is created
 * ({@link OutcomeTracer}), because grpc-java may discard a pick without creating a stream.
 */
final class KeelPicker extends SubchannelPicker {
  private final Balancer balancer;
  private final Subchannels subchannels;
  private final Metadata.@Nullable Key<String> hashHeader;
  private final PickResult none;

  KeelPicker(Balancer balancer, Subchannels subchannels, @Nullable String hashHeader, String service) {
    this.balancer = balancer;
    this.subchannels = subchannels;
    this.hashHeader = hashHeader == null ? null : Metadata.Key.of(hashHeader, Metadata.ASCII_STRING_MARSHALLER);
    this.none = PickResult.withError(Status.UNAVAILABLE.withDescription("no available instance of '" + service + "'"));
  }

  @Override
  public PickResult pickSubchannel(PickSubchannelArgs args) {
    Endpoint e = balancer.pick(key(args));
    if (e == null) {
      return none;
    }
    e.release();
    PickResult ready = subchannels.readyPick(e);
    // Not READY any more: the load balancer is about to publish the change; wait for that picker.
    return ready != null ? ready : PickResult.withNoResult();
  }

  private @Nullable CharSequence key(PickSubchannelArgs args) {
    String key = args.getCallOptions().getOption(KeelGrpc.HASH_KEY);
    if (key == null && hashHeader != null) {
      key = args.getHeaders().get(hashHeader);
    }
    return key;
  }

  @Override
  public String toString() {
    return "KeelPicker{" + balancer.service() + " " + balancer.config().policy() + "}";
  }
}
