package dev.keel.proxy.http;

import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.h2up.H2Balancing;
import dev.keel.proxy.h2up.H2Pool;
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
 * statistics and its upstreams on each event loop (created on first use by that loop): HTTP/1.1
 * keep-alive pools ({@link UpstreamPool}), or multiplexed HTTP/2 connections ({@link H2Pool}) when
 * {@code upstream.protocol} is {@code h2c} or {@code h2}. Thread-safe.
 */
public final class HttpRoute {
  /**
   * Body bytes of a request kept while it goes to an HTTP/2 instance, so that a stream the instance
   * refuses unprocessed (REFUSED_STREAM, GOAWAY) can go elsewhere: a gRPC message of up to 64 KiB.
   */
  static final int H2_REPLAY_LIMIT = 64 * 1024;

  private final ListenerConfig config;
  private final UpstreamPicker picker;
  private final ListenerStats stats = new ListenerStats();
  private final AsciiString proto;
  private final Map<EventLoop, LoopUpstreams> loops = new ConcurrentHashMap<>();
  private final Function<EventLoop, LoopUpstreams> loopFactory;
  final long requestTimeoutNanos;
  final long maxBody;
  final int maxRetries;
  final long idleNanos;
  final StickySessions sticky;
  final ClientAddressHeaders clientHeaders;
  final @Nullable TunnelBalancing tunnels;
  private final @Nullable H2Balancing h2;
  /** What a request keeps of its body to go again after a refusal; 0 with HTTP/1.1 instances, which never say so. */
  final int replayLimit;

  /** The upstream side on one event loop: how exchanges reach instances, and how it lets go of idle connections. */
  private record LoopUpstreams(UpstreamConnector connector, Runnable closeIdle) {}

  public HttpRoute(ListenerConfig config, UpstreamPicker picker, Function<EventLoop, UpstreamPool> poolFactory) {
    this(config, picker, poolFactory, null);
  }

  /**
   * A listener that speaks HTTP/1.1 to its instances.
   *
   * @param tunnels places and rebalances WebSocket tunnels; null: tunnels go where the policy picks, uncounted
   */
  public HttpRoute(ListenerConfig config, UpstreamPicker picker, Function<EventLoop, UpstreamPool> poolFactory,
      @Nullable TunnelBalancing tunnels) {
    this(config, picker, loop -> {
      UpstreamPool pool = poolFactory.apply(loop);
      return new LoopUpstreams(Http1Upstream.connector(pool), pool::closeIdle);
    }, tunnels, null);
  }

  private HttpRoute(ListenerConfig config, UpstreamPicker picker, Function<EventLoop, LoopUpstreams> loopFactory,
      @Nullable TunnelBalancing tunnels, @Nullable H2Balancing h2) {
    this.tunnels = tunnels;
    this.h2 = h2;
    this.config = config;
    this.picker = picker;
    this.loopFactory = loopFactory;
    this.proto = AsciiString.cached(config.tls() != null ? "https" : "http");
    this.requestTimeoutNanos = config.timeouts().request().toNanos();
    this.maxBody = config.limits().maxBody();
    this.maxRetries = config.retries().attempts();
    this.idleNanos = config.timeouts().idle().toNanos();
    this.sticky = new StickySessions(config);
    this.replayLimit = h2 == null ? 0 : H2_REPLAY_LIMIT;
    this.clientHeaders = new ClientAddressHeaders(config.clientAddressHeaders());
  }

  /**
   * A listener that speaks HTTP/2 to its instances ({@code upstream.protocol} {@code h2c} or
   * {@code h2}): each request is a stream on a connection of its loop's pool. WebSocket upgrades are
   * not tunnelled (an HTTP/2 instance would need RFC 8441's extended CONNECT): they go as plain requests.
   *
   * @param balancing the listener's HTTP/2 connections over its instances (closed with the listener)
   */
  public static HttpRoute http2(ListenerConfig config, UpstreamPicker picker, Function<EventLoop, H2Pool> poolFactory,
      H2Balancing balancing) {
    boolean tls = config.upstream().protocol() == ListenerConfig.UpstreamProtocol.H2;
    return new HttpRoute(config, picker, loop -> {
      H2Pool pool = poolFactory.apply(loop);
      return new LoopUpstreams(Http2Upstream.connector(pool, tls), pool::closeIdle);
    }, null, balancing);
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

  /** How the exchanges of {@code loop} reach the instances; call from that loop. */
  UpstreamConnector connector(EventLoop loop) {
    return loops.computeIfAbsent(loop, loopFactory).connector();
  }

  /** True when requests go to the instances as HTTP/2 streams (no WebSocket tunnels then). */
  boolean http2Upstream() {
    return h2 != null;
  }

  public @Nullable TunnelBalancing tunnels() {
    return tunnels;
  }

  /** The listener's HTTP/2 upstream connections, or null when it speaks HTTP/1.1 to its instances. */
  public @Nullable H2Balancing http2() {
    return h2;
  }

  /** Lets go of the idle upstream connections of every loop, each on its own loop (and drains HTTP/2 ones). */
  public void closeIdle() {
    loops.forEach((loop, upstreams) -> loop.execute(upstreams.closeIdle()));
  }
}
