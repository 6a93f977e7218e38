package dev.keel.proxy.http;

import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.config.RouteConfig;
import dev.keel.proxy.config.ServiceTemplate;
import dev.keel.proxy.routing.RouteView;
import dev.keel.proxy.routing.ServiceDirectory;
import dev.keel.proxy.routing.ServiceEntry;
import dev.keel.proxy.upstream.UpstreamPicker;
import dev.keel.proxy.upstream.UpstreamPool;
import io.netty.channel.EventLoop;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What every client connection of one HTTP listener shares: its configuration, its routes (a
 * listener with {@code service:} has one that matches every request) and the services they send to
 * ({@link ServiceDirectory}), its statistics and its upstream pools (one per event loop, created on
 * first use by that loop, shared by every service). Thread-safe. Owns the directory: {@link
 * #close()} closes every service.
 *
 * <p>With {@code upstream.protocol} {@code h2c} or {@code h2} every service speaks HTTP/2 to its
 * instances over connections of its own ({@link HttpService#connector}); the HTTP/1.1 pools then
 * stay empty.
 */
public final class HttpRoute implements AutoCloseable {
  /**
   * Body bytes of a request kept while it goes to an HTTP/2 instance, so that a stream the instance
   * refuses unprocessed (REFUSED_STREAM, GOAWAY) can go elsewhere: a gRPC message of up to 64 KiB.
   */
  static final int H2_REPLAY_LIMIT = 64 * 1024;

  private final ListenerConfig config;
  private final ListenerStats stats = new ListenerStats();
  private final AsciiString proto;
  private final Map<EventLoop, UpstreamPool> pools = new ConcurrentHashMap<>();
  private final Function<EventLoop, UpstreamPool> poolFactory;
  private final ServiceDirectory<HttpService> services;
  final HttpRouter router;
  final long maxBody;
  final long idleNanos;
  final ClientAddressHeaders clientHeaders;
  private final boolean http2Upstream;
  /** What a request keeps of its body to go again after a refusal; 0 with HTTP/1.1 instances, which never say so. */
  final int replayLimit;

  /** A listener with {@code service:} over {@code picker}, without tunnel balancing. */
  public HttpRoute(ListenerConfig config, UpstreamPicker picker, Function<EventLoop, UpstreamPool> poolFactory) {
    this(config, picker, poolFactory, null);
  }

  /**
   * A listener with {@code service:} over {@code picker}, which it then owns.
   *
   * @param tunnels places and rebalances WebSocket tunnels; null: tunnels go where the policy picks, uncounted
   */
  public HttpRoute(ListenerConfig config, UpstreamPicker picker, Function<EventLoop, UpstreamPool> poolFactory,
      @Nullable TunnelBalancing tunnels) {
    this(config, ServiceDirectory.of(config, s -> new HttpService(picker, tunnels)), poolFactory);
  }

  /**
   * Every route of {@code config} (or its one service), over {@code services}, which it then owns
   * (its opener builds a service from a listener config that names it).
   */
  public HttpRoute(ListenerConfig config, ServiceDirectory<HttpService> services,
      Function<EventLoop, UpstreamPool> poolFactory) {
    this.config = config;
    this.services = services;
    this.poolFactory = poolFactory;
    this.proto = AsciiString.cached(config.tls() != null ? "https" : "http");
    this.maxBody = config.limits().maxBody();
    this.idleNanos = config.timeouts().idle().toNanos();
    this.clientHeaders = new ClientAddressHeaders(config.clientAddressHeaders());
    this.http2Upstream = config.upstream().protocol().http2();
    this.replayLimit = http2Upstream ? H2_REPLAY_LIMIT : 0;
    List<ListenerRoute> routes = new ArrayList<>();
    String service = config.service();
    if (service != null) {
      routes.add(new ListenerRoute(config.name(), null, config, ServiceTemplate.fixed(service), services, stats));
    }
    for (RouteConfig r : config.routes()) {
      routes.add(new ListenerRoute(r.name(), r, config.routed(r), r.service(), services, stats));
    }
    this.router = new HttpRouter(routes);
    // services closed for idleness or the bound leave no idle connections behind in any pool
    services.onClose(e -> pools.forEach((loop, pool) -> loop.execute(pool::closeRemoved)));
  }

  public ListenerConfig config() {
    return config;
  }

  /**
   * The picker of the listener's one service ({@code service:}); null on a listener with routes
   * ({@link #services()}).
   */
  public @Nullable UpstreamPicker picker() {
    HttpService s = single();
    return s == null ? null : s.picker();
  }

  /** The listener's one service ({@code service:}), open; null on a listener with routes. */
  public @Nullable HttpService single() {
    ListenerRoute single = router.single();
    ServiceEntry<HttpService> e = single == null ? null : single.fixed();
    return e == null ? null : e.service();
  }

  /** The services the listener's routes send to. */
  public ServiceDirectory<HttpService> services() {
    return services;
  }

  /** The listener's routes, for status and metrics; empty for a listener with {@code service:}. */
  public List<RouteView> routes() {
    List<RouteView> out = new ArrayList<>();
    for (ListenerRoute r : router.routes()) {
      RouteConfig c = r.config;
      if (c != null) {
        RouteStats st = r.stats;
        out.add(new RouteView(r.name, c, st.requests(), st.rejected(), st.upstreamErrors(), st.retries()));
      }
    }
    return out;
  }

  public ListenerStats stats() {
    return stats;
  }

  AsciiString proto() {
    return proto;
  }

  /** True when requests go to the instances as HTTP/2 streams (no WebSocket tunnels then). */
  boolean http2Upstream() {
    return http2Upstream;
  }

  /** The HTTP/1.1 pool of {@code loop}; call from that loop. */
  UpstreamPool pool(EventLoop loop) {
    return pools.computeIfAbsent(loop, poolFactory);
  }

  /** Closes the idle upstream connections of every pool, each on its own loop, and drains the HTTP/2 ones. */
  public void closeIdle() {
    pools.forEach((loop, pool) -> loop.execute(pool::closeIdle));
    for (ServiceEntry<HttpService> e : services.entries()) {
      HttpService s = e.service();
      H2Upstreams h = s == null ? null : s.http2();
      if (h != null) {
        h.drain();
      }
    }
  }

  /** Closes every service (their balancers and tunnel balancing). */
  @Override
  public void close() {
    services.close();
  }
}
