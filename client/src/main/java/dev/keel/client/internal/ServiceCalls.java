package dev.keel.client.internal;

import dev.keel.balancer.Balancer;
import dev.keel.balancer.BalancerClock;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.HealthChecker;
import dev.keel.balancer.PickArgs;
import dev.keel.balancer.Ticket;
import dev.keel.client.ClientMetrics;
import dev.keel.client.NoEndpointAvailableException;
import dev.keel.client.RetryBudget;
import dev.keel.client.ServicePolicy;
import dev.keel.registry.Discovery;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import java.io.IOException;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLException;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;

/** What the client keeps per service: its balancer, retry budget and policy. Thread-safe. */
final class ServiceCalls implements AutoCloseable {
  private final String name;
  private final String host;
  private final @Nullable RegistryClient registry;
  private final ServicePolicy policy;
  private final Balancer balancer;
  private final RetryBudget budget;
  private final ClientMetrics metrics;
  private final InstanceTargets targets;
  private final String tlsName;
  private final @Nullable String tlsProblem;

  private ServiceCalls(String name, String host, @Nullable RegistryClient registry, ServicePolicy policy,
      Balancer balancer, RetryBudget budget, ClientMetrics metrics, InstanceTargets targets) {
    this.name = name;
    this.host = host;
    this.registry = registry;
    this.policy = policy;
    this.balancer = balancer;
    this.budget = budget;
    this.metrics = metrics;
    this.targets = targets;
    String configured = policy.tlsServerName();
    this.tlsName = configured != null ? configured : name.toLowerCase(Locale.ROOT);
    this.tlsProblem = configured != null ? null : TlsNames.problem(tlsName);
  }

  /** @param host the URL host that named the service, for messages */
  static ServiceCalls start(Discovery discovery, String name, String host, ServicePolicy policy, BalancerClock clock,
      ClientMetrics metrics, InstanceTargets targets) {
    Balancer.Builder b = Balancer.builder(discovery, name).config(policy.balancerConfig()).clock(clock);
    HealthChecker checker = policy.healthChecker();
    if (checker != null) {
      b.healthChecker(checker);
    }
    Balancer balancer = b.build();
    RetryBudget budget = policy.retryBudget().get();
    metrics.serviceStarted(name, balancer);
    RegistryClient registry = discovery instanceof RegistryClient ? (RegistryClient) discovery : null;
    return new ServiceCalls(name, host, registry, policy, balancer, budget, metrics, targets);
  }

  String name() {
    return name;
  }

  /** Why no instance was found just now: what was looked up, where, and what is known. */
  NoEndpointAvailableException noEndpoint() {
    return NoEndpointReason.explain(name, host, balancer.state(), registry);
  }

  ServicePolicy policy() {
    return policy;
  }

  Balancer balancer() {
    return balancer;
  }

  RetryBudget budget() {
    return budget;
  }

  ClientMetrics metrics() {
    return metrics;
  }

  /**
   * Fails an {@code https} call to a service whose name cannot be verified in a certificate (such as
   * {@code orders_v2}) and that has no {@code tlsServerName}, before any instance is picked.
   */
  void checkTls(HttpUrl url) throws SSLException {
    if (url.isHttps() && tlsProblem != null) {
      throw new SSLException(name + ": the service name cannot be verified in a certificate (expected: "
          + tlsProblem + "); set ServicePolicy.tlsServerName to the name its instances' certificates carry");
    }
  }

  /**
   * Sends one attempt of {@code request} to {@code instance} ({@link InstanceTargets#point}); a TLS
   * failure comes back naming the service, the instance and the name that was verified.
   */
  Response proceed(Interceptor.Chain chain, Request request, ServiceInstance instance, Attempt mark)
      throws IOException {
    Request.Builder b = request.newBuilder().tag(Attempt.class, mark);
    targets.point(b, request, instance, tlsName);
    Request attempt = b.build();
    try {
      return chain.proceed(attempt);
    } catch (IOException e) {
      throw InstanceTargets.explain(e, attempt, name, instance, tlsName);
    }
  }

  long nanoTime() {
    return balancer.clock().nanoTime();
  }

  /** The affinity key of {@code request} for sticky sessions, or null (none configured or absent). */
  @Nullable String affinityKey(Request request) {
    String header = policy.stickyHeader();
    if (header != null) {
      String v = request.header(header);
      if (v != null) {
        return v;
      }
    }
    String cookie = policy.stickyCookie();
    return cookie == null ? null : cookieValue(request.headers("Cookie"), cookie);
  }

  /** The value of cookie {@code name} in {@code Cookie} headers ({@code a=1; b=2}), or null. */
  static @Nullable String cookieValue(List<String> cookieHeaders, String name) {
    for (String header : cookieHeaders) {
      int i = 0;
      int n = header.length();
      while (i < n) {
        int end = header.indexOf(';', i);
        if (end < 0) {
          end = n;
        }
        int eq = header.indexOf('=', i);
        if (eq > 0 && eq < end && header.substring(i, eq).trim().equals(name)) {
          return header.substring(eq + 1, end).trim();
        }
        i = end + 1;
      }
    }
    return null;
  }

  /**
   * Picks for a call's first attempt, with the call's affinity key; null when no instance is
   * available. A ticket, since a response body may be ended by several threads.
   */
  @Nullable Ticket begin(@Nullable String key) {
    Endpoint e = balancer.pick(key);
    return e == null ? null : Ticket.of(e);
  }

  /**
   * Picks for a retry: an available endpoint not in {@code tried}, or null when every available
   * endpoint was tried. The affinity key is kept: under {@code ring-hash} the retry goes to the
   * key's next instance on the ring, the one the key moves to should the failed instance be
   * ejected, so a session's fallback is stable.
   */
  @Nullable Ticket pickOther(@Nullable String key, List<Endpoint> tried) {
    Endpoint e = balancer.pick(PickArgs.builder().key(key).exclude(tried).build());
    return e == null ? null : Ticket.of(e);
  }

  @Override
  public void close() {
    balancer.close();
    metrics.serviceClosed(name);
  }
}
