package dev.keel.proxy.http;

import dev.keel.proxy.routing.OpenService;
import dev.keel.proxy.upstream.UpstreamPicker;
import org.jspecify.annotations.Nullable;

/**
 * One service an HTTP listener sends to: its picker (requests) and the tunnel balancing over that
 * picker's connection balancer (WebSocket tunnels). Thread-safe; closing closes both.
 */
public final class HttpService implements OpenService {
  private final UpstreamPicker picker;
  private final @Nullable TunnelBalancing tunnels;

  /** @param tunnels places and rebalances WebSocket tunnels; null: tunnels go where the policy picks, uncounted */
  public HttpService(UpstreamPicker picker, @Nullable TunnelBalancing tunnels) {
    this.picker = picker;
    this.tunnels = tunnels;
  }

  @Override
  public UpstreamPicker picker() {
    return picker;
  }

  public @Nullable TunnelBalancing tunnels() {
    return tunnels;
  }

  @Override
  public void close() {
    TunnelBalancing t = tunnels;
    if (t != null) {
      t.close();
    }
    picker.close();
  }
}
