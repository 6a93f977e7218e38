package dev.keel.proxy.http;

import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.upstream.UpstreamPicker;
import dev.keel.proxy.upstream.UpstreamPool;
import io.netty.channel.EventLoop;
import io.netty.util.AsciiString;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What every client connection of one HTTP listener shares: its configuration, its picker, its
 * statistics and its upstream pools (one per event loop, created on first use by that loop).
 * Thread-safe.
 */
public final class HttpRoute {
  private final ListenerConfig config;
  private final UpstreamPicker picker;
  private final ListenerStats stats = new ListenerStats();
  private final AsciiString proto;
  private final Map<EventLoop, UpstreamPool> pools = new ConcurrentHashMap<>();
  private final Function<EventLoop, UpstreamPool> poolFactory;
  final long requestTimeoutNanos;
  final long maxBody;
  final int maxRetries;
  final long idleNanos;
  final StickySessions sticky;
  final ClientAddressHeaders clientHeaders;
  final @Nullable TunnelBalancing tunnels;

  public HttpRoute(ListenerConfig config, UpstreamPicker picker, Function<EventLoop, UpstreamPool> poolFactory) {
    this(config, picker, poolFactory, null);
  }

  /** @param tunnels places and rebalances WebSocket tunnels; null: tunnels go where the policy picks, uncounted */
  public HttpRoute(ListenerConfig config, UpstreamPicker picker, Function<EventLoop, UpstreamPool> poolFactory,
      @Nullable TunnelBalancing tunnels) {
    this.tunnels = tunnels;
    this.config = config;
    this.picker = picker;
    this.poolFactory = poolFactory;
    this.proto = AsciiString.cached(config.tls() != null ? "https" : "http");
    this.requestTimeoutNanos = config.timeouts().request().toNanos();
    this.maxBody = config.limits().maxBody();
    this.maxRetries = config.retries().attempts();
    this.idleNanos = config.timeouts().idle().toNanos();
    this.sticky = new StickySessions(config);
    this.clientHeaders = new ClientAddressHeaders(config.clientAddressHeaders());
  }

  public ListenerConfig config() {
    return config;
  }

  public UpstreamPicker picker() {
    return picker;
  }

  public ListenerStats stats() {
    return stats;
  }

  AsciiString proto() {
    return proto;
  }

  /** The pool of {@code loop}; call from that loop. */
  UpstreamPool pool(EventLoop loop) {
    return pools.computeIfAbsent(loop, poolFactory);
  }

  public @Nullable TunnelBalancing tunnels() {
    return tunnels;
  }

  /** Closes the idle upstream connections of every pool, each on its own loop. */
  public void closeIdle() {
    pools.forEach((loop, pool) -> loop.execute(pool::closeIdle));
  }
}
