package dev.keel.client.micrometer;

import static java.util.Objects.requireNonNull;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.keel.balancer.Balancer;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.FailureKind;
import dev.keel.client.ClientMetrics;
import dev.keel.registry.Subscription;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link ClientMetrics} on a Micrometer {@link MeterRegistry}:
 *
 * <table>
 *   <caption>meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th></tr>
 *   <tr><td>keel.client.requests</td><td>counter</td><td>service</td></tr>
 *   <tr><td>keel.client.failures</td><td>counter</td><td>service, kind (connect, reset, timeout, http_5xx, other)</td></tr>
 *   <tr><td>keel.client.retries</td><td>counter</td><td>service, reason</td></tr>
 *   <tr><td>keel.client.retries.denied</td><td>counter</td><td>service</td></tr>
 *   <tr><td>keel.client.inflight</td><td>gauge</td><td>service, endpoint (instance id)</td></tr>
 * </table>
 *
 * Per-endpoint gauges follow the balancer's membership: added for new instances, removed for
 * instances that left. This class is the only one in the module that names Micrometer types; load
 * it only when Micrometer is on the class path. Thread-safe. The registry is the caller's.
 */
public final class MicrometerClientMetrics implements ClientMetrics {
  private final MeterRegistry registry;
  private final Map<String, Counter> requests = new ConcurrentHashMap<>();
  private final Map<String, Counter> denied = new ConcurrentHashMap<>();
  private final Map<String, Counter> failures = new ConcurrentHashMap<>();
  private final Map<String, Counter> retries = new ConcurrentHashMap<>();
  private final Map<String, Gauges> gauges = new ConcurrentHashMap<>();

  private MicrometerClientMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  public static MicrometerClientMetrics of(MeterRegistry registry) {
    return new MicrometerClientMetrics(requireNonNull(registry, "registry"));
  }

  @Override
  public void serviceStarted(String service, Balancer balancer) {
    Gauges g = new Gauges(service, balancer);
    Gauges previous = gauges.put(service, g);
    if (previous != null) {
      previous.close();
    }
    g.sync();
  }

  @Override
  public void serviceClosed(String service) {
    Gauges g = gauges.remove(service);
    if (g != null) {
      g.close();
    }
  }

  @Override
  public void request(String service) {
    requests.computeIfAbsent(service, s -> Counter.builder("keel.client.requests")
        .description("Requests to a Keel service (once per request, whatever the attempts)")
        .tag("service", s).register(registry)).increment();
  }

  @Override
  public void failure(String service, FailureKind kind) {
    failures.computeIfAbsent(service + '\u0000' + kind, k -> Counter.builder("keel.client.failures")
        .description("Failed attempts")
        .tag("service", service).tag("kind", kind.name().toLowerCase(Locale.ROOT))
        .register(registry)).increment();
  }

  @Override
  public void retry(String service, FailureKind reason) {
    retries.computeIfAbsent(service + '\u0000' + reason, k -> Counter.builder("keel.client.retries")
        .description("Retries on another instance")
        .tag("service", service).tag("reason", reason.name().toLowerCase(Locale.ROOT))
        .register(registry)).increment();
  }

  @Override
  public void retryDenied(String service) {
    denied.computeIfAbsent(service, s -> Counter.builder("keel.client.retries.denied")
        .description("Retryable failures not retried because the retry budget was spent")
        .tag("service", s).register(registry)).increment();
  }

  /** The in-flight gauges of one service, kept in step with its balancer's members. */
  private final class Gauges {
    private final String service;
    private final Balancer balancer;
    @GuardedBy("this")
    private final Map<String, Meter> byId = new HashMap<>();
    private final Subscription subscription;
    @GuardedBy("this")
    private boolean closed;

    Gauges(String service, Balancer balancer) {
      this.service = service;
      this.balancer = balancer;
      this.subscription = balancer.onStateChange(this::sync);
    }

    synchronized void sync() {
      if (closed) {
        return;
      }
      Set<String> seen = new HashSet<>();
      for (Endpoint e : balancer.state().members()) {
        seen.add(e.id());
        byId.computeIfAbsent(e.id(), id -> Gauge.builder("keel.client.inflight", e, Endpoint::inFlight)
            .description("Requests in flight to one instance")
            .tag("service", service).tag("endpoint", id).register(registry));
      }
      byId.entrySet().removeIf(entry -> {
        if (seen.contains(entry.getKey())) {
          return false;
        }
        registry.remove(entry.getValue());
        return true;
      });
    }

    synchronized void close() {
      closed = true;
      subscription.close();
      byId.values().forEach(registry::remove);
      byId.clear();
    }
  }
}
