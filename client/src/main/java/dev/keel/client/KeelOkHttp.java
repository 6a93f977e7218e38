package dev.keel.client;

import static java.util.Objects.requireNonNull;

import dev.keel.balancer.Balancer;
import dev.keel.balancer.BalancerClock;
import dev.keel.client.internal.DefaultKeelOkHttp;
import dev.keel.registry.Discovery;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;

/**
 * Turns {@code http://<service>/path} into a balanced call for OkHttp:
 *
 * <pre>{@code
 * try (KeelOkHttp keel = KeelOkHttp.create(registry)) {   // once per application; owns the balancers
 *   OkHttpClient http = keel.newClient();
 *   try (Response r = http.newCall(new Request.Builder().url("http://orders/v1/orders/42").build()).execute()) {
 *     ...
 *   }                                                      // closing the response ends the request
 * }
 * }</pre>
 *
 * <h2>Which hosts are Keel services</h2>
 *
 * When services are named on the builder ({@link Builder#service(String)}), exactly those hosts are
 * (compared ignoring case, since URL hosts are lower-cased), unless {@link
 * Builder#singleLabelHosts(boolean)} keeps the rule below too. Otherwise a host is a service when it
 * is a single DNS label: no dot, not an IP literal, not {@code localhost} — {@code http://orders/}
 * is, {@code http://orders.example/} and {@code http://127.0.0.1:8080/} pass through untouched. The
 * rule needs no registry round trip per host and never captures a fully qualified name, so calls to
 * the outside world are unaffected; name the services explicitly when single-label names must reach
 * DNS.
 *
 * <h2>Per request</h2>
 *
 * The URL's host and port become the picked instance's (scheme, path, query and user info are
 * kept). The {@code Host} header therefore names the instance, as OkHttp derives it from the URL; a
 * {@code Host} header the application set itself is sent unchanged. For {@code https} the
 * instance's certificate is verified against the service name (or {@link
 * ServicePolicy.Builder#tlsServerName}), which is also sent as SNI and as {@code Host}; never
 * against the instance's address (see the client README, "HTTPS by service name"). The outcome (latency to the
 * response headers, 5xx, or the I/O failure kind) is reported to the service's {@link Balancer}
 * when the response body ends; see the client README for retries and the retry budget.
 *
 * <h2>Threading and ownership</h2>
 *
 * Thread-safe; share one per application. One {@link Balancer} per service, created on first use
 * and shared by every call. {@link #close()} closes those balancers; the {@link Discovery} passed in
 * and the {@link OkHttpClient}s built with {@link #install} are the caller's and are not closed.
 */
public interface KeelOkHttp extends AutoCloseable {
  /** Keel with the default policy for every single-label host; see the class comment. */
  static KeelOkHttp create(Discovery discovery) {
    return builder(discovery).build();
  }

  static Builder builder(Discovery discovery) {
    return new Builder(discovery);
  }

  /**
   * Adds Keel's two interceptors to {@code builder}: an application interceptor (picks, rewrites,
   * retries, reports) and a network interceptor (marks when a request reaches a connection, which
   * decides whether a failure may be retried). Both are needed; install them only this way. For
   * HTTPS by service name it also wraps the builder's {@code Dns}, {@code HostnameVerifier} and
   * {@code SSLSocketFactory} (set those before calling this); other hosts still get the
   * application's.
   *
   * @return {@code builder}
   * @throws IllegalArgumentException when the builder pins certificates for a name Keel verifies
   *     itself (such pins would never apply)
   */
  OkHttpClient.Builder install(OkHttpClient.Builder builder);

  /** A new OkHttp client with Keel installed and OkHttp's defaults otherwise. */
  default OkHttpClient newClient() {
    return install(new OkHttpClient.Builder()).build();
  }

  /** The service name that {@code host} stands for, or null when it passes through. */
  @Nullable String serviceName(String host);

  /** The balancer of {@code service} if a call has used it yet, else null (for inspection). */
  @Nullable Balancer balancer(String service);

  /** Closes every balancer this client created; calls to services fail afterwards. Idempotent. */
  @Override
  void close();

  /** Builder of {@link KeelOkHttp}; not thread-safe. */
  final class Builder {
    private final Discovery discovery;
    private final Map<String, @Nullable ServicePolicy> services = new LinkedHashMap<>();
    private ServicePolicy defaultPolicy = ServicePolicy.defaults();
    private BalancerClock clock = BalancerClock.system();
    private ClientMetrics metrics = ClientMetrics.none();
    private boolean singleLabelHosts;

    private Builder(Discovery discovery) {
      this.discovery = requireNonNull(discovery, "discovery");
    }

    /** Makes {@code name} a Keel service with the default policy; see the class comment. */
    public Builder service(String name) {
      return service(name, null);
    }

    /** Makes {@code name} a Keel service with its own {@code policy}. */
    public Builder service(String name, @Nullable ServicePolicy policy) {
      requireNonNull(name, "name");
      if (name.isBlank()) {
        throw new IllegalArgumentException("name: '" + name + "' (expected: a service name)");
      }
      String host = name.toLowerCase(Locale.ROOT);
      for (String known : services.keySet()) {
        if (known.toLowerCase(Locale.ROOT).equals(host) && !known.equals(name)) {
          throw new IllegalArgumentException("name: '" + name + "' (expected: differs from '" + known
              + "' by more than case, since URL hosts are lower-cased)");
        }
      }
      services.put(name, policy);
      return this;
    }

    /**
     * Keeps every single-label host a Keel service even when services are named (default false:
     * naming services makes exactly those hosts Keel services). With it, the named services get
     * their own policies and other single-label hosts the default policy; for configuration that
     * sets policies for some services without meaning to list them all (the Spring Boot starter).
     */
    public Builder singleLabelHosts(boolean singleLabelHosts) {
      this.singleLabelHosts = singleLabelHosts;
      return this;
    }

    /** The policy of services without their own (default {@link ServicePolicy#defaults()}). */
    public Builder defaultPolicy(ServicePolicy policy) {
      this.defaultPolicy = requireNonNull(policy, "policy");
      return this;
    }

    /** Time for the balancers and latency measurement (default {@link BalancerClock#system()}). */
    public Builder clock(BalancerClock clock) {
      this.clock = requireNonNull(clock, "clock");
      return this;
    }

    /** Where to report requests, failures, retries and in-flight counts (default none). */
    public Builder metrics(ClientMetrics metrics) {
      this.metrics = requireNonNull(metrics, "metrics");
      return this;
    }

    public KeelOkHttp build() {
      return new DefaultKeelOkHttp(discovery, services, singleLabelHosts, defaultPolicy, clock, metrics);
    }
  }
}
