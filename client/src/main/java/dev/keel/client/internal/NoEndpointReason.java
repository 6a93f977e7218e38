package dev.keel.client.internal;

import dev.keel.balancer.BalancerState;
import dev.keel.client.NoEndpointAvailableException;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryException;
import dev.keel.registry.RegistryHealth;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Says why a call found no instance, for {@link NoEndpointAvailableException}: what was looked up,
 * where, and what the registry and the balancer know. Built only when a call fails, so it may read
 * the registry (to list names that differ in case only).
 */
final class NoEndpointReason {
  private NoEndpointReason() {}

  /**
   * @param service the service looked up
   * @param host the URL host it came from (lower-cased by OkHttp)
   * @param registry the registry, when the client was given one that can tell its health
   */
  static NoEndpointAvailableException explain(String service, String host, BalancerState state,
      @Nullable RegistryClient registry) {
    String where = "service '" + service + "'" + (registry == null ? "" : " in " + registry);
    RegistryHealth health = registry == null ? null : registry.health();
    if (health != null && !health.reachable()) {
      String why = "the registry is " + health.state().label() + " since " + health.since()
          + (health.cause() == null ? "" : " (" + health.cause() + ")");
      RegistryException cause = new RegistryException("registry " + health.registry() + ": " + why);
      String known = state.members().isEmpty() ? "no instance known from before"
          : state.members().size() + " instance(s) known from before, none available";
      return new NoEndpointAvailableException(service, "no instance available (looked up " + where + ": " + why
          + "; " + known + ")", cause);
    }
    if (state.members().isEmpty()) {
      return new NoEndpointAvailableException(service, "no instance available (looked up " + where
          + ": no instance registered" + sameNameOtherCase(service, host, registry) + ")");
    }
    return new NoEndpointAvailableException(service, "no instance available (looked up " + where + ": all "
        + state.members().size() + " instance(s) down or ejected)");
  }

  /** A hint when the registry holds names equal to the one looked up but for case. */
  private static String sameNameOtherCase(String service, String host, @Nullable RegistryClient registry) {
    if (registry == null || !service.equals(host.toLowerCase(Locale.ROOT))) {
      return "";
    }
    List<String> others;
    try {
      others = registry.services().stream().filter(s -> s.equalsIgnoreCase(service) && !s.equals(service)).toList();
    } catch (UnsupportedOperationException e) {
      return "; URL hosts come lower-cased (OkHttp lower-cases them): a service registered with capitals"
          + " cannot be found by this registry's client, name it with KeelOkHttp.builder(...).service(\"Name\")";
    } catch (RuntimeException e) {
      return "";
    }
    if (others.isEmpty()) {
      return "";
    }
    StringBuilder names = new StringBuilder();
    others.forEach(n -> names.append(names.length() == 0 ? "" : ", ").append('\'').append(n).append('\''));
    return "; URL hosts come lower-cased (OkHttp lower-cases them), and the registry holds " + names
        + ", which differ only in case: name the one meant with KeelOkHttp.builder(...).service(\"Name\")";
  }
}
