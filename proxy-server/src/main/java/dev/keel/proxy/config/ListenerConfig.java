package dev.keel.proxy.config;

import static java.util.Objects.requireNonNull;

import dev.keel.proxy.accesslog.AccessLogConfig;
import dev.keel.proxy.tls.ServerTls;
import dev.keel.proxy.tls.UpstreamTls;
import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One listener: where it listens, which service it balances to (or, with {@link #routes}, which
 * routes choose the service of each request or connection) and how. Immutable; the nested records
 * carry their defaults in {@code defaults()}.
 *
 * @param service the one service of the listener; null when it has {@link #routes} instead
 * @param routes ordered, the first that matches wins; empty when the listener has a {@link #service}
 * @param services how services named by a route's placeholder are kept
 * @param accessLog where and how the listener logs each exchange; null: no access log (the default)
 * @param http2 HTTP/2 from clients on an http listener ({@code http2:}): on by default
 */
public record ListenerConfig(
    String name,
    HostPort listen,
    String protocol,
    @Nullable String service,
    String policy,
    Persistence persistence,
    Health health,
    Timeouts timeouts,
    Rebalance rebalance,
    Retries retries,
    Limits limits,
    List<Cidr> trustedProxies,
    List<String> clientAddressHeaders,
    @Nullable ServerTls tls,
    Upstream upstream,
    int maxConnections,
    String proxyProtocol,
    List<RouteConfig> routes,
    ServicesConfig services,
    @Nullable AccessLogConfig accessLog,
    Http2Config http2) {

  public static final List<String> PROTOCOLS = List.of("http", "tcp");
  /**
   * A tcp listener's default policy: each connection goes to the instance furthest below its
   * weighted share of the open connections, and rebalancing sheds connections to keep it so. Valid
   * on tcp listeners only; any other policy places each connection itself, without rebalancing.
   */
  public static final String LEAST_CONNECTIONS = "least-connections";
  /** PROXY protocol header sent to upstreams by tcp listeners. */
  public static final List<String> PROXY_PROTOCOLS = List.of("none", "v1", "v2");
  /**
   * Request headers that name the client's address or identity, besides {@code X-Forwarded-*}
   * (which the proxy sets itself): removed from requests of clients that are not trusted proxies,
   * since instances and frameworks believe them (nginx's realip, Spring's ForwardedHeaderFilter,
   * Express's trust proxy, Envoy's XFCC), and a client could otherwise choose the address the
   * instance sees. Lower case.
   */
  public static final List<String> DEFAULT_CLIENT_ADDRESS_HEADERS = List.of("forwarded", "x-real-ip", "client-ip",
      "true-client-ip", "x-client-ip", "x-cluster-client-ip", "cf-connecting-ip", "fastly-client-ip",
      "x-original-forwarded-for", "x-forwarded-client-cert");

  public ListenerConfig {
    requireNonNull(name, "name");
    requireNonNull(listen, "listen");
    requireNonNull(protocol, "protocol");
    requireNonNull(policy, "policy");
    requireNonNull(persistence, "persistence");
    requireNonNull(health, "health");
    requireNonNull(timeouts, "timeouts");
    requireNonNull(rebalance, "rebalance");
    requireNonNull(retries, "retries");
    requireNonNull(limits, "limits");
    trustedProxies = List.copyOf(trustedProxies);
    clientAddressHeaders = clientAddressHeaders.stream().map(h -> h.toLowerCase(java.util.Locale.ROOT)).toList();
    requireNonNull(upstream, "upstream");
    requireNonNull(proxyProtocol, "proxyProtocol");
    routes = List.copyOf(routes);
    requireNonNull(services, "services");
    requireNonNull(http2, "http2");
    if ((service == null) == routes.isEmpty()) {
      throw new IllegalArgumentException("listener '" + name + "': " + (service == null
          ? "no service and no routes (expected: one of them)" : "both service and routes (expected: one of them)"));
    }
    if (maxConnections < 0) {
      throw new IllegalArgumentException("maxConnections: " + maxConnections + " (expected: >= 0, 0 = unlimited)");
    }
  }

  /** With HTTP/2 at its defaults. */
  public ListenerConfig(String name, HostPort listen, String protocol, @Nullable String service, String policy,
      Persistence persistence, Health health, Timeouts timeouts, Rebalance rebalance, Retries retries, Limits limits,
      List<Cidr> trustedProxies, List<String> clientAddressHeaders, @Nullable ServerTls tls, Upstream upstream,
      int maxConnections, String proxyProtocol, List<RouteConfig> routes, ServicesConfig services,
      @Nullable AccessLogConfig accessLog) {
    this(name, listen, protocol, service, policy, persistence, health, timeouts, rebalance, retries, limits,
        trustedProxies, clientAddressHeaders, tls, upstream, maxConnections, proxyProtocol, routes, services, accessLog,
        Http2Config.DEFAULTS);
  }

  /** One service, without routes, with {@code http2} (as before routes). */
  public ListenerConfig(String name, HostPort listen, String protocol, String service, String policy,
      Persistence persistence, Health health, Timeouts timeouts, Rebalance rebalance, Retries retries,
      Limits limits, List<Cidr> trustedProxies, List<String> clientAddressHeaders, @Nullable ServerTls tls,
      Upstream upstream, int maxConnections, String proxyProtocol, Http2Config http2) {
    this(name, listen, protocol, service, policy, persistence, health, timeouts, rebalance, retries, limits,
        trustedProxies, clientAddressHeaders, tls, upstream, maxConnections, proxyProtocol, List.of(),
        ServicesConfig.defaults(), null, http2);
  }

  /** Without an access log. */
  public ListenerConfig(String name, HostPort listen, String protocol, @Nullable String service, String policy,
      Persistence persistence, Health health, Timeouts timeouts, Rebalance rebalance, Retries retries, Limits limits,
      List<Cidr> trustedProxies, List<String> clientAddressHeaders, @Nullable ServerTls tls, Upstream upstream,
      int maxConnections, String proxyProtocol, List<RouteConfig> routes, ServicesConfig services) {
    this(name, listen, protocol, service, policy, persistence, health, timeouts, rebalance, retries, limits,
        trustedProxies, clientAddressHeaders, tls, upstream, maxConnections, proxyProtocol, routes, services, null);
  }

  /** One service, without routes (as before routes). */
  public ListenerConfig(String name, HostPort listen, String protocol, String service, String policy,
      Persistence persistence, Health health, Timeouts timeouts, Rebalance rebalance, Retries retries,
      Limits limits, List<Cidr> trustedProxies, List<String> clientAddressHeaders, @Nullable ServerTls tls,
      Upstream upstream, int maxConnections, String proxyProtocol) {
    this(name, listen, protocol, service, policy, persistence, health, timeouts, rebalance, retries, limits,
        trustedProxies, clientAddressHeaders, tls, upstream, maxConnections, proxyProtocol, List.of(),
        ServicesConfig.defaults());
  }

  /** With the default client-address headers, without a connection limit and PROXY protocol. */
  public ListenerConfig(String name, HostPort listen, String protocol, String service, String policy,
      Persistence persistence, Health health, Timeouts timeouts, Rebalance rebalance, Retries retries,
      Limits limits, List<Cidr> trustedProxies, @Nullable ServerTls tls, Upstream upstream) {
    this(name, listen, protocol, service, policy, persistence, health, timeouts, rebalance, retries, limits,
        trustedProxies, DEFAULT_CLIENT_ADDRESS_HEADERS, tls, upstream, 0, "none");
  }

  /** A listener with every default, for the one-line form and tests. */
  public static ListenerConfig of(String name, HostPort listen, String protocol, String service, String policy) {
    Rebalance d = Rebalance.defaults();
    // a tcp policy other than least-connections places each connection itself: no rebalancing
    Rebalance rebalance = "tcp".equals(protocol) && !LEAST_CONNECTIONS.equals(policy)
        ? new Rebalance(false, d.tolerance(), d.settle(), d.maxShedPerSecond()) : d;
    return new ListenerConfig(name, listen, protocol, service, policy, Persistence.NONE, Health.defaults(),
        Timeouts.defaults(), rebalance, Retries.defaults(), Limits.defaults(), List.of(), null,
        Upstream.defaults());
  }

  /** The policy of a listener of {@code protocol} that names none. */
  public static String defaultPolicy(String protocol) {
    return "tcp".equals(protocol) ? LEAST_CONNECTIONS : "round-robin";
  }

  /**
   * True when a tcp listener's connection balancer places (and rebalances) its connections; false
   * when its policy does (or it is an http listener, whose policy picks per request).
   */
  public boolean placedByConnections() {
    return "tcp".equals(protocol) && LEAST_CONNECTIONS.equals(policy);
  }

  /** This listener with {@code name} as its one service and no routes: what a service of it is opened with. */
  public ListenerConfig withService(String name) {
    return new ListenerConfig(this.name, listen, protocol, name, policy, persistence, health, timeouts, rebalance,
        retries, limits, trustedProxies, clientAddressHeaders, tls, upstream, maxConnections, proxyProtocol, List.of(),
        services, accessLog, http2);
  }

  /**
   * This listener as {@code route} overrides it (policy, persistence, health, timeouts, retries),
   * its service the route's ({@code {host.0}} and the like as written, until a request names one).
   */
  public ListenerConfig routed(RouteConfig route) {
    return new ListenerConfig(name, listen, protocol, route.service().toString(), route.policy(), route.persistence(),
        route.health(), route.timeouts(), rebalance, route.retries(), limits, trustedProxies, clientAddressHeaders, tls,
        upstream, maxConnections, proxyProtocol, List.of(), services, accessLog, http2);
  }

  /** Where the listener sends, for logs: {@code service 'orders'}, or {@code 4 routes}. */
  public String target() {
    return service != null ? "service '" + service + "'" : routes.size() + " routes";
  }

  /**
   * The protocols a TLS client connection may choose by ALPN: {@code h2} (when {@code http2} is on)
   * and {@code http/1.1} for {@code http} listeners; none for {@code tcp} ones, which do not look
   * into what they relay.
   */
  public List<String> alpn() {
    if (!protocol.equals("http")) {
      return List.of();
    }
    return http2.enabled() ? List.of("h2", "http/1.1") : List.of("http/1.1");
  }

  /** True when {@code peer} is inside one of {@link #trustedProxies}. */
  public boolean trusts(InetAddress peer) {
    for (Cidr c : trustedProxies) {
      if (c.contains(peer)) {
        return true;
      }
    }
    return false;
  }

  /**
   * True when {@code literal}, an address as text (an {@code X-Forwarded-For} hop), is inside one
   * of {@link #trustedProxies}; false for anything that is not a canonical address literal. Never
   * resolves a name.
   */
  public boolean trusts(String literal) {
    byte[] a = Cidr.literal(literal);
    if (a == null) {
      return false;
    }
    for (Cidr c : trustedProxies) {
      if (c.contains(a)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Session persistence: {@code none}, {@code lb-cookie}, {@code app-cookie} or {@code client-ip}.
   *
   * @param cookie the proxy's cookie (lb-cookie) or the application's (app-cookie)
   * @param insertCookie app-cookie only: the proxy's own cookie, set when an instance answers
   *     without setting {@code cookie}, so the client still returns to it
   * @param clientIp client-ip only: where the client IP comes from, and how strictly it is kept
   */
  public record Persistence(String type, String cookie, String insertCookie, ClientIp clientIp) {
    public static final List<String> TYPES = List.of("none", "lb-cookie", "app-cookie", "client-ip");
    public static final String DEFAULT_INSERT_COOKIE = "KEEL_ROUTE";
    public static final Persistence NONE = new Persistence("none", "KEEL");

    /** With the default {@code insertCookie} and {@code clientIp}. */
    public Persistence(String type, String cookie) {
      this(type, cookie, DEFAULT_INSERT_COOKIE, ClientIp.defaults());
    }
  }

  /**
   * client-ip persistence.
   *
   * @param headers request headers (lower case) a trusted proxy's client IP is read from, first
   *     usable wins; {@code x-forwarded-for} is read as a list (the rightmost hop that is not a
   *     trusted proxy), the others as one address
   * @param strict true: a client never moves to another instance while its instance is available
   *     (no load bound), and a request from a trusted proxy that names no client IP is answered
   *     500 rather than placed by another key
   * @param hashBalanceFactor the ring's load bound when not strict (0, or at least 1.0; see {@code
   *     BalancerConfig.hashBalanceFactor})
   */
  public record ClientIp(List<String> headers, boolean strict, double hashBalanceFactor) {
    public static final List<String> DEFAULT_HEADERS = List.of("client-ip", "x-forwarded-for");
    public static final double DEFAULT_HASH_BALANCE_FACTOR = 1.25;

    public ClientIp {
      headers = List.copyOf(headers);
    }

    public static ClientIp defaults() {
      return new ClientIp(DEFAULT_HEADERS, false, DEFAULT_HASH_BALANCE_FACTOR);
    }

    /** The balancer's load bound: 0 (none) when strict. */
    public double effectiveHashBalanceFactor() {
      return strict ? 0 : hashBalanceFactor;
    }
  }

  /**
   * Active checks (null when off), passive outlier ejection, slow start and panic.
   *
   * @param panicThreshold healthy share below which every member is used again (0: never; then
   *     all unhealthy answers 503)
   * @param slowStart ramp window of an instance new to the listener or back from being down or
   *     ejected (0: off, full weight at once)
   */
  public record Health(@Nullable Active active, Passive passive, double panicThreshold, Duration slowStart) {
    public static final Duration DEFAULT_SLOW_START = Duration.ofSeconds(30);

    public Health {
      requireNonNull(passive, "passive");
      requireNonNull(slowStart, "slowStart");
    }

    /** With the default slow start. */
    public Health(@Nullable Active active, Passive passive, double panicThreshold) {
      this(active, passive, panicThreshold, DEFAULT_SLOW_START);
    }

    public static Health defaults() {
      return new Health(null, Passive.defaults(), 0.5, DEFAULT_SLOW_START);
    }

    /**
     * Active health checks of every instance.
     *
     * @param path HTTP GET path, or null for a TCP connect check
     */
    public record Active(Duration interval, Duration timeout, @Nullable String path, int rise, int fall) {}

    /**
     * Passive outlier ejection (Envoy's outlier detection, as the balancer implements it).
     *
     * @param consecutiveFailures failures in a row that eject (0: this trigger off)
     * @param ejection base ejection time, the n-th ejection lasts n × this (0: no passive ejection at all)
     * @param maxEjection cap on one ejection; at least {@code ejection} when that is not 0
     * @param maxEjectionShare most members ejected at once, 0..1 (one may always be)
     * @param failureRate failure share over one interval that ejects, 0..1 (0: this trigger off)
     * @param minimumRequests requests in an interval before its failure rate counts
     * @param interval failure-rate evaluation interval
     */
    public record Passive(int consecutiveFailures, Duration ejection, Duration maxEjection, double maxEjectionShare,
        double failureRate, int minimumRequests, Duration interval) {
      public static final Duration DEFAULT_MAX_EJECTION = Duration.ofMinutes(5);
      public static final double DEFAULT_MAX_EJECTION_SHARE = 0.10;
      public static final double DEFAULT_FAILURE_RATE = 0.5;
      public static final int DEFAULT_MINIMUM_REQUESTS = 20;
      public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(10);

      public Passive {
        requireNonNull(ejection, "ejection");
        requireNonNull(maxEjection, "maxEjection");
        requireNonNull(interval, "interval");
      }

      /** The other settings at their defaults; the cap is raised to {@code ejection} when that is longer. */
      public Passive(int consecutiveFailures, Duration ejection) {
        this(consecutiveFailures, ejection, defaultMaxEjection(ejection), DEFAULT_MAX_EJECTION_SHARE,
            DEFAULT_FAILURE_RATE, DEFAULT_MINIMUM_REQUESTS, DEFAULT_INTERVAL);
      }

      public static Passive defaults() {
        return new Passive(5, Duration.ofSeconds(30));
      }

      /** The cap when none is configured: 300 s, or the base time when longer (as Envoy does). */
      public static Duration defaultMaxEjection(Duration ejection) {
        return ejection.compareTo(DEFAULT_MAX_EJECTION) > 0 ? ejection : DEFAULT_MAX_EJECTION;
      }

      /** False when {@code ejection} is 0: nothing is ejected for failing requests. */
      public boolean enabled() {
        return !ejection.isZero();
      }
    }
  }

  /**
   * Time limits of a listener's connections and requests.
   *
   * @param connect connecting to an instance
   * @param request from the request's last byte sent until the response headers arrive (504 after)
   * @param idle a client or pooled upstream connection with no traffic is closed after this
   * @param headerRead a request head must be complete within this of its first byte (408 after; 0: off)
   * @param bodyRead a request body must be complete within this of the head's end (408 after; 0: off)
   */
  public record Timeouts(Duration connect, Duration request, Duration idle, Duration headerRead, Duration bodyRead) {
    public static final Duration DEFAULT_HEADER_READ = Duration.ofSeconds(10);
    public static final Duration DEFAULT_BODY_READ = Duration.ofSeconds(30);

    /** With the default header-read and body-read timeouts. */
    public Timeouts(Duration connect, Duration request, Duration idle) {
      this(connect, request, idle, DEFAULT_HEADER_READ, DEFAULT_BODY_READ);
    }

    public static Timeouts defaults() {
      return new Timeouts(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(60));
    }
  }

  /**
   * Connection rebalancing of tunnels (used by the balancer's connection balancer).
   *
   * @param enabled false: connections are placed evenly but never shed
   */
  public record Rebalance(boolean enabled, double tolerance, Duration settle, int maxShedPerSecond) {
    public Rebalance(double tolerance, Duration settle, int maxShedPerSecond) {
      this(true, tolerance, settle, maxShedPerSecond);
    }

    public static Rebalance defaults() {
      return new Rebalance(true, 0.10, Duration.ofSeconds(5), 50);
    }
  }

  /**
   * Retries of a failed request on other instances.
   *
   * @param attempts how many other instances a failed request may be tried on (0: none)
   */
  public record Retries(int attempts) {
    public static Retries defaults() {
      return new Retries(2);
    }
  }

  /**
   * Size limits of a request.
   *
   * @param maxHeaderSize request header block, bytes (431 above)
   * @param maxUriLength request target, bytes (414 above)
   * @param maxBody request body, bytes (413 above; 0: unlimited)
   */
  public record Limits(int maxHeaderSize, int maxUriLength, long maxBody) {
    public static Limits defaults() {
      return new Limits(16 * 1024, 8 * 1024, 0);
    }
  }

  /**
   * How the listener connects to instances.
   *
   * @param tls how to connect to instances with TLS; null: plain TCP
   * @param maxIdlePerLoop idle keep-alive connections kept per instance per event loop (HTTP/1.1)
   * @param protocol what the proxy speaks to the instances
   * @param http2 the settings of HTTP/2 connections to the instances ({@code h2c}, {@code h2})
   */
  public record Upstream(@Nullable UpstreamTls tls, int maxIdlePerLoop, UpstreamProtocol protocol, Http2 http2) {
    public Upstream {
      requireNonNull(protocol, "protocol");
      requireNonNull(http2, "http2");
      if (protocol == UpstreamProtocol.H2 && tls == null) {
        throw new IllegalArgumentException("protocol: h2 is HTTP/2 over TLS (expected: tls, or h2c for cleartext)");
      }
      if (protocol == UpstreamProtocol.H2C && tls != null) {
        throw new IllegalArgumentException("protocol: h2c is cleartext HTTP/2 (expected: no tls, or h2 with TLS)");
      }
    }

    /** HTTP/1.1 to the instances. */
    public Upstream(@Nullable UpstreamTls tls, int maxIdlePerLoop) {
      this(tls, maxIdlePerLoop, UpstreamProtocol.HTTP1, Http2.defaults());
    }

    public static Upstream defaults() {
      return new Upstream(null, 64);
    }
  }

  /**
   * HTTP/2 connections to the instances.
   *
   * @param maxStreams streams per connection at most, below what the instance allows; 0: what it allows
   * @param streamWindow each stream's receive window, bytes: what a response may have in flight to
   *     the proxy before the client took it (so, per slow reader, what the proxy holds)
   * @param pingInterval a connection the instance was silent on this long is sent a PING; 0: never
   * @param pingTimeout a PING unanswered this long closes the connection as dead
   */
  public record Http2(int maxStreams, int streamWindow, Duration pingInterval, Duration pingTimeout) {
    public static final int MIN_WINDOW = 65_535;
    public static final int DEFAULT_WINDOW = 1024 * 1024;

    public Http2 {
      requireNonNull(pingInterval, "pingInterval");
      requireNonNull(pingTimeout, "pingTimeout");
      if (maxStreams < 0) {
        throw new IllegalArgumentException("maxStreams: " + maxStreams + " (expected: >= 0, 0 = as the instance allows)");
      }
      if (streamWindow < MIN_WINDOW) {
        throw new IllegalArgumentException("streamWindow: " + streamWindow + " (expected: " + MIN_WINDOW + "..2147483647)");
      }
    }

    public static Http2 defaults() {
      return new Http2(0, DEFAULT_WINDOW, Duration.ofMinutes(5), Duration.ofSeconds(20));
    }
  }
}
