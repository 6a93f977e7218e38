package dev.keel.proxy.config;

import static java.util.Objects.requireNonNull;

import dev.keel.proxy.config.ListenerConfig.Health;
import dev.keel.proxy.config.ListenerConfig.Persistence;
import dev.keel.proxy.config.ListenerConfig.Retries;
import dev.keel.proxy.config.ListenerConfig.Timeouts;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One entry of a listener's ordered {@code routes}: when it applies ({@link Match}; the first route
 * that matches wins) and where it sends ({@link #service}), with the listener's settings as this
 * route overrides them. Every setting here is the effective one: the loader has merged the route's
 * overrides key by key onto the listener's values, so a route that sets {@code timeouts.request}
 * keeps the listener's {@code timeouts.connect}. Immutable.
 *
 * @param name unique within the listener; {@code routes[N]} when not configured
 * @param stripPrefix remove the matched {@code path-prefix}, or with {@code {path.N}} every segment
 *     up to and including N (the longer of the two), before forwarding
 */
public record RouteConfig(
    String name,
    Match match,
    ServiceTemplate service,
    boolean stripPrefix,
    String policy,
    Persistence persistence,
    Health health,
    Timeouts timeouts,
    Retries retries) {

  public RouteConfig {
    requireNonNull(name, "name");
    requireNonNull(match, "match");
    requireNonNull(service, "service");
    requireNonNull(policy, "policy");
    requireNonNull(persistence, "persistence");
    requireNonNull(health, "health");
    requireNonNull(timeouts, "timeouts");
    requireNonNull(retries, "retries");
  }

  /**
   * When a route applies: every key present must match (an absent key matches anything).
   *
   * @param host the request's host (the {@code Host} field, or an absolute-form target's authority)
   * @param pathPrefix the request's path, segment-aware ({@link PathPrefix})
   * @param methods upper-case method names; empty: any method
   * @param header a request header that must be present, with an exact value when one is given
   * @param sni the TLS server name a {@code tcp} listener's client asked for
   */
  public record Match(@Nullable HostPattern host, @Nullable PathPrefix pathPrefix, List<String> methods,
      @Nullable Header header, @Nullable HostPattern sni) {
    public static final Match ANY = new Match(null, null, List.of(), null, null);

    public Match {
      methods = List.copyOf(methods);
    }
  }

  /**
   * A header match.
   *
   * @param name the field name, lower-cased (names are case-insensitive)
   * @param value the exact value required, or null when presence is enough
   */
  public record Header(String name, @Nullable String value) {
    public Header {
      requireNonNull(name, "name");
    }
  }
}
