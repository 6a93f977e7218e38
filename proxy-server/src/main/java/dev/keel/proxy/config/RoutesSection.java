package dev.keel.proxy.config;

import dev.keel.proxy.config.ListenerConfig.Health;
import dev.keel.proxy.config.ListenerConfig.Persistence;
import dev.keel.proxy.config.ListenerConfig.Retries;
import dev.keel.proxy.config.ListenerConfig.Timeouts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Reads a listener's {@code routes} and {@code services}. Each route's overrides are merged key by
 * key onto the listener's values, so every {@link RouteConfig} carries its effective settings. On
 * an {@code http} listener a route matches by {@code host}, {@code path-prefix}, {@code method} and
 * {@code header}; on a {@code tcp} listener (with {@code tls}) by {@code sni}. A key the listener's
 * protocol cannot use is an error, as is a route that can never take effect as written (a {@code
 * strip-prefix} with nothing to strip).
 */
final class RoutesSection {
  /** What a route may override, on the listener it belongs to. */
  record Base(String protocol, String policy, List<String> policies, Persistence persistence, Health health,
      Timeouts timeouts, Retries retries, boolean tls) {}

  private RoutesSection() {}

  static List<RouteConfig> routes(Fields listener, Base base) {
    List<ConfigNode> items = listener.list("routes");
    List<RouteConfig> out = new ArrayList<>();
    Set<String> names = new HashSet<>();
    EnvInterpolator env = listener.env();
    if (!items.isEmpty() && "tcp".equals(base.protocol()) && !base.tls()) {
      throw ConfigException.at(listener.line("routes"), listener.path("routes"), "sni routes on a tcp listener without "
          + "tls (expected: tls on the listener, which terminates it and routes by the name the client asked for)");
    }
    for (int i = 0; i < items.size(); i++) {
      String path = listener.path("routes") + "[" + i + "]";
      RouteConfig r = route(new Fields(items.get(i), path, env), "routes[" + i + "]", base);
      if (!names.add(r.name())) {
        throw ConfigException.at(items.get(i).line, path + ".name", "'" + r.name() + "' is used by another route "
            + "(expected: unique names)");
      }
      out.add(r);
    }
    return out;
  }

  private static RouteConfig route(Fields f, String defaultName, Base base) {
    boolean tcp = "tcp".equals(base.protocol());
    String name = f.string("name", defaultName);
    ServiceTemplate service = f.parsedOrNull("service", "a service name, or {host.N} / {path.N}", ServiceTemplate::parse);
    if (service == null) {
      throw f.error("service", "missing (expected: a service name, or a placeholder like \"{host.0}\" or \"{path.0}\")");
    }
    RouteConfig.Match match = tcp ? sniMatch(f, service) : httpMatch(f);
    boolean strip = false;
    if (!tcp) {
      strip = f.bool("strip-prefix", false);
      if (strip && match.pathPrefix() == null && service.source() != ServiceTemplate.Source.PATH) {
        throw f.error("strip-prefix", "true with nothing to strip (expected: a path-prefix, or a service taken from "
            + "the path like \"{path.0}\")");
      }
    }
    String policy = tcp ? base.policy() : routePolicy(f, base);
    Persistence persistence = tcp ? base.persistence() : PersistenceSection.read(f.map("persistence"), base.persistence());
    Health health = ConfigLoader.health(f.map("health"), base.health());
    Timeouts timeouts = timeouts(f.map("timeouts"), base.timeouts(), tcp);
    Retries retries = ConfigLoader.retries(f.map("retries"), base.retries());
    f.done();
    return new RouteConfig(name, match, service, strip, policy, persistence, health, timeouts, retries);
  }

  /** An http route's policy: the built-ins and the plug-ins' ({@code least-connections} is tcp's). */
  private static String routePolicy(Fields f, Base base) {
    if (ListenerConfig.LEAST_CONNECTIONS.equals(f.string("policy"))) {
      throw f.error("policy", "'" + ListenerConfig.LEAST_CONNECTIONS + "' places tcp connections (expected on an http"
          + " route: least-request, which counts requests in flight, or one of " + String.join(", ", base.policies()) + ")");
    }
    return f.oneOf("policy", base.policy(), base.policies());
  }

  private static RouteConfig.Match httpMatch(Fields f) {
    if (f.has("sni")) {
      throw f.error("sni", "only on tcp listeners (expected: host, path-prefix, method or header on an http listener)");
    }
    HostPattern host = f.parsedOrNull("host", "a host name like api.example.com, or a wildcard like *.example.com",
        HostPattern::parse);
    PathPrefix prefix = f.parsedOrNull("path-prefix", "a path like /api", PathPrefix::parse);
    List<String> methods = new ArrayList<>(f.oneOrMore("method"));
    for (int i = 0; i < methods.size(); i++) {
      String m = methods.get(i).trim();
      if (!m.matches("[A-Z][A-Z0-9_-]{0,31}")) {
        throw f.error("method", "'" + methods.get(i) + "' (expected: a method in capitals like GET or POST"
            + (m.matches("[a-z][a-z0-9_-]{0,31}") ? ", did you mean '" + m.toUpperCase(Locale.ROOT) + "'?" : "") + ")");
      }
      methods.set(i, m);
    }
    RouteConfig.Header header = header(f.map("header"));
    return new RouteConfig.Match(host, prefix, methods, header, null);
  }

  private static RouteConfig.Match sniMatch(Fields f, ServiceTemplate service) {
    for (String key : List.of("host", "path-prefix", "method", "header", "strip-prefix", "policy", "persistence")) {
      if (f.has(key)) {
        throw f.error(key, "not on a tcp listener (expected: sni, service, health, timeouts.connect, retries)");
      }
    }
    if (service.source() == ServiceTemplate.Source.PATH) {
      throw f.error("service", "'" + service + "' on a tcp listener (expected: a name, or {host.N} for the labels of "
          + "the TLS server name)");
    }
    HostPattern sni = f.parsedOrNull("sni", "a server name like db.example.com, or a wildcard like *.example.com",
        HostPattern::parse);
    return new RouteConfig.Match(null, null, List.of(), null, sni);
  }

  private static RouteConfig.@Nullable Header header(@Nullable Fields h) {
    if (h == null) {
      return null;
    }
    String name = h.required("name", "a header name like X-Canary");
    if (!ConfigLoader.token(name)) {
      throw h.error("name", "'" + name + "' (expected: a header name like X-Canary)");
    }
    String value = h.string("value");
    h.done();
    return new RouteConfig.Header(name.toLowerCase(Locale.ROOT), value);
  }

  /**
   * A route's {@code timeouts}: {@code connect} and {@code request}; the others belong to the client
   * connection, which is read before any route is chosen.
   */
  private static Timeouts timeouts(@Nullable Fields f, Timeouts base, boolean tcp) {
    if (f == null) {
      return base;
    }
    for (String key : List.of("idle", "header-read", "body-read")) {
      if (f.has(key)) {
        throw f.error(key, "set on the listener only (expected: connect" + (tcp ? "" : " or request")
            + " on a route; the client connection's timeouts apply before a route is chosen)");
      }
    }
    if (tcp && f.has("request")) {
      throw f.error("request", "not on a tcp listener (expected: connect)");
    }
    Duration connect = f.duration("connect", base.connect());
    Duration request = tcp ? base.request() : f.duration("request", base.request());
    f.done();
    return new Timeouts(connect, request, base.idle(), base.headerRead(), base.bodyRead());
  }

  /** The listener's {@code services} block. */
  static ServicesConfig services(@Nullable Fields f) {
    ServicesConfig d = ServicesConfig.defaults();
    if (f == null) {
      return d;
    }
    int max = f.integer("max-services", d.maxServices(), 1, 100_000);
    Duration idle = f.duration("idle-timeout", d.idleTimeout());
    if (idle.compareTo(Duration.ofSeconds(1)) < 0) {
      throw f.error("idle-timeout", "'" + f.shownValue("idle-timeout") + "' (expected: at least 1s)");
    }
    Duration first = f.duration("first-resolve", d.firstResolve());
    if (first.isZero() || first.compareTo(Duration.ofMinutes(1)) > 0) {
      throw f.error("first-resolve", "'" + f.shownValue("first-resolve") + "' (expected: a duration in 1ms..1m)");
    }
    f.done();
    return new ServicesConfig(max, idle, first);
  }
}
