package dev.keel.client.micrometer;

import static java.util.Objects.requireNonNull;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.keel.balancer.Balancer;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.FailureKind;
import dev.keel.client.ClientMetrics;
import dev.keel.registry.Subscription;
import dev.keel.registry.RegistryClient;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
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
 *   <tr><td>keel.client.stale</td><td>gauge</td><td>service: 1 while its instances are not confirmed by a live registry</td></tr>
 *   <tr><td>keel.registry.reachable</td><td>gauge</td><td>registry: 1 while reachable, else 0</td></tr>
 *   <tr><td>keel.registry.outages</td><td>function counter</td><td>registry: times it became unreachable</td></tr>
 *   <tr><td>keel.registry.malformed.entries</td><td>function counter</td><td>registry: entries skipped as malformed, once per version</td></tr>
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
  public void registry(RegistryClient client) {
    String name = client.toString();
    Gauge.builder("keel.registry.reachable", client, c -> c.health().reachable() ? 1 : 0)
        .description("1 while the registry can be reached, else 0 (the last known instances are served)")
        .tag("registry", name).register(registry);
    FunctionCounter.builder("keel.registry.outages", client, c -> c.health().outages())
        .description("Times the registry became unreachable").tag("registry", name).register(registry);
    FunctionCounter.builder("keel.registry.malformed.entries", client, c -> c.health().malformedEntries())
        .description("Registry entries skipped as malformed, each once per version").tag("registry", name).register(registry);
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
    private final Meter stale;
    @GuardedBy("this")
    private boolean closed;

    Gauges(String service, Balancer balancer) {
      this.service = service;
      this.balancer = balancer;
      this.stale = Gauge.builder("keel.client.stale", balancer, b -> b.state().stale() ? 1 : 0)
          .description("1 while the service's instances are not confirmed by a live registry")
          .tag("service", service).register(registry);
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
      registry.remove(stale);
      byId.values().forEach(registry::remove);
      byId.clear();
    }
  }
}
