package dev.keel.spring;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryHealth;
import dev.keel.registry.ServiceInstance;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;

/**
 * Actuator health {@code keel}: whether the registry answers, and whether this application's
 * registration is in it.
 *
 * <ul>
 *   <li>{@code UP}: the registry answered a lookup of this application's service (of {@code
 *       keel-health-probe} when it does not register), and, when registered, listed this instance.
 *   <li>{@code DOWN}: the lookup failed (the error is in the details), its answer is marked stale
 *       (served from the snapshot cache: the registry is unreachable), or this instance is
 *       registered but missing from the registry's answer.
 *   <li>{@code OUT_OF_SERVICE}: deregistered (refusing traffic, or shutting down).
 * </ul>
 *
 * Nothing is logged here (the registry adapters log what goes wrong with the connection). A
 * registry its client already knows to be unreachable ({@link RegistryClient#health()}) is
 * {@code DOWN} at once, with the client's reason, without a lookup that would wait for the
 * registry's {@code resolve-timeout}. Details: {@code registry}, {@code registryState},
 * {@code service}, {@code state}, {@code instance}, {@code address}, {@code instances} (the count
 * listed).
 */
final class KeelHealthIndicator implements HealthIndicator {
  static final String PROBE_SERVICE = "keel-health-probe";

  private final RegistryClient registry;
  private final @Nullable KeelRegistration registration;

  KeelHealthIndicator(RegistryClient registry, @Nullable KeelRegistration registration) {
    this.registry = registry;
    this.registration = registration;
  }

  @Override
  public Health health() {
    Health.Builder builder = Health.unknown();
    check(builder);
    return builder.build();
  }

  private void check(Health.Builder builder) {
    builder.withDetail("registry", registry.toString());
    KeelRegistration r = registration;
    String service = r != null ? r.service() : PROBE_SERVICE;
    if (r != null) {
      builder.withDetails(r.details());
    }
    RegistryHealth known = registry.health();
    builder.withDetail("registryState", known.state().label());
    if (known.state() == RegistryHealth.State.UNREACHABLE) {
      builder.down().withDetail("reason", "the registry is unreachable: " + known.cause());
      return;
    }
    InstanceSet set;
    try {
      set = registry.resolve(service);
    } catch (RuntimeException e) {
      // The error goes in the details, not in a log line: a health endpoint is polled, and an
      // unreachable registry would log a stack trace on every poll.
      builder.down().withDetail("reason", "the registry did not answer a lookup of " + service)
          .withDetail("error", e.getClass().getName() + ": " + e.getMessage());
      return;
    }
    builder.withDetail("instances", set.size());
    if (set.stale()) {
      builder.down().withDetail("reason", "the registry is unreachable: " + service + " is served from the snapshot cache");
      return;
    }
    if (r == null) {
      builder.up();
      return;
    }
    ServiceInstance mine = r.instance();
    switch (r.state()) {
      case REGISTERED -> {
        if (mine != null && set.get(mine.id()) == null) {
          builder.down().withDetail("reason", "registered, but " + mine.id() + " is not in the registry's list of " + service);
        } else {
          builder.up();
        }
      }
      case DEREGISTERED -> builder.status(Status.OUT_OF_SERVICE);
      case PENDING -> builder.up();
    }
  }
}
