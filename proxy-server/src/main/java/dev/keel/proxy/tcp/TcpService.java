package dev.keel.proxy.tcp;

import dev.keel.balancer.ConnectionBalancer;
import dev.keel.balancer.ConnectionLease;
import dev.keel.proxy.routing.OpenService;
import dev.keel.proxy.upstream.LingeringLeases;
import dev.keel.proxy.upstream.UpstreamPicker;
import dev.keel.registry.Subscription;
import io.netty.channel.EventLoop;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * One service a tcp listener relays to: its picker, the connection balancer over it that places and
 * sheds its connections, and the leases of shed connections still counting until their clients
 * reconnect. Thread-safe; closing stops shedding and closes the picker.
 */
final class TcpService implements OpenService {
  private final UpstreamPicker picker;
  private final LingeringLeases lingering = new LingeringLeases();
  private final @Nullable Subscription shedding;

  /** @param shed called with each lease the connection balancer sheds (when {@code rebalance.enabled}) */
  TcpService(UpstreamPicker picker, boolean rebalance, Consumer<ConnectionLease> shed) {
    this.picker = picker;
    this.shedding = rebalance ? picker.connections().shedEvery(TcpListenerKind.SHED_PERIOD, shed) : null;
  }

  @Override
  public UpstreamPicker picker() {
    return picker;
  }

  ConnectionBalancer connections() {
    return picker.connections();
  }

  /** See {@link LingeringLeases}. */
  void linger(ConnectionLease lease, EventLoop loop, long graceNanos) {
    lingering.linger(lease, loop, graceNanos);
  }

  /** A new connection was placed: the oldest lingering lease stops counting. */
  void placed() {
    lingering.placed();
  }

  @Override
  public void close() {
    Subscription s = shedding;
    if (s != null) {
      s.close();
    }
    picker.close();
  }
}
