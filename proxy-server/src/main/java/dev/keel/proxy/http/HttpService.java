package dev.keel.proxy.http;

import dev.keel.proxy.routing.OpenService;
import dev.keel.proxy.upstream.UpstreamPicker;
import org.jspecify.annotations.Nullable;

/**
 * One service an HTTP listener sends to: its picker (requests), and over that picker's connection
 * balancer either the tunnel balancing (WebSocket tunnels to HTTP/1.1 instances) or its HTTP/2
 * connections ({@code upstream.protocol} {@code h2c} or {@code h2}): never both, so the balancer's
 * connection counts mean one thing. Thread-safe; closing closes all of them.
 */
public final class HttpService implements OpenService {
  private final UpstreamPicker picker;
  private final @Nullable TunnelBalancing tunnels;
  private final @Nullable H2Upstreams http2;

  /** @param tunnels places and rebalances WebSocket tunnels; null: tunnels go where the policy picks, uncounted */
  public HttpService(UpstreamPicker picker, @Nullable TunnelBalancing tunnels) {
    this(picker, tunnels, null);
  }

  private HttpService(UpstreamPicker picker, @Nullable TunnelBalancing tunnels, @Nullable H2Upstreams http2) {
    this.picker = picker;
    this.tunnels = tunnels;
    this.http2 = http2;
  }

  /** A service whose instances speak HTTP/2: every request is a stream on one of {@code http2}'s connections. */
  public static HttpService http2(UpstreamPicker picker, H2Upstreams http2) {
    return new HttpService(picker, null, http2);
  }

  @Override
  public UpstreamPicker picker() {
    return picker;
  }

  public @Nullable TunnelBalancing tunnels() {
    return tunnels;
  }

  /** The service's HTTP/2 connections, or null when its instances speak HTTP/1.1. */
  public @Nullable H2Upstreams http2() {
    return http2;
  }

  /** How the exchanges of {@code context}'s loop reach this service: its HTTP/2 pool there, or the loop's HTTP/1.1 one. */
  UpstreamConnector connector(ExchangeContext context) {
    H2Upstreams h = http2;
    return h == null ? context.upstreams() : h.connector(context.channel().eventLoop());
  }

  @Override
  public void close() {
    TunnelBalancing t = tunnels;
    if (t != null) {
      t.close();
    }
    H2Upstreams h = http2;
    if (h != null) {
      h.close();
    }
    picker.close();
  }
}
