package dev.keel.client.internal;

import dev.keel.balancer.Balancer;
import dev.keel.balancer.BalancerClock;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.HealthChecker;
import dev.keel.balancer.PickArgs;
import dev.keel.balancer.Ticket;
import dev.keel.client.ClientMetrics;
import dev.keel.client.RetryBudget;
import dev.keel.client.ServicePolicy;
import dev.keel.registry.Discovery;
import java.util.List;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;

/** What the client keeps per service: its balancer, retry budget and policy. Thread-safe. */
final class ServiceCalls implements AutoCloseable {
  private final String name;
  private final ServicePolicy policy;
  private final Balancer balancer;
  private final RetryBudget budget;
  private final ClientMetrics metrics;

  private ServiceCalls(String name, ServicePolicy policy, Balancer balancer, RetryBudget budget,
      ClientMetrics metrics) {
    this.name = name;
    this.policy = policy;
    this.balancer = balancer;
    this.budget = budget;
    this.metrics = metrics;
  }

  static ServiceCalls start(Discovery discovery, String name, ServicePolicy policy, BalancerClock clock,
      ClientMetrics metrics) {
    Balancer.Builder b = Balancer.builder(discovery, name).config(policy.balancerConfig()).clock(clock);
    HealthChecker checker = policy.healthChecker();
    if (checker != null) {
      b.healthChecker(checker);
    }
    Balancer balancer = b.build();
    RetryBudget budget = policy.retryBudget().get();
    metrics.serviceStarted(name, balancer);
    return new ServiceCalls(name, policy, balancer, budget, metrics);
  }

  String name() {
    return name;
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
