package dev.keel.proxy.http;

import dev.keel.proxy.config.HostPattern;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.config.PathPrefix;
import dev.keel.proxy.config.RouteConfig;
import dev.keel.proxy.config.ServiceTemplate;
import dev.keel.proxy.routing.ServiceDirectory;
import dev.keel.proxy.routing.ServiceEntry;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.util.AsciiString;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * One route of an HTTP listener, ready to match: its match keys, where its service comes from (an
 * entry opened with the listener for a fixed name, or a settings group of the listener's {@link
 * ServiceDirectory} for a placeholder), and what its exchanges use of the listener's settings as
 * the route overrides them (persistence, request timeout, retries). A listener with {@code service:}
 * has one implicit route that matches every request.
 *
 * <p>Immutable and thread-safe; {@link #match} allocates nothing.
 */
final class ListenerRoute {
  final String name;
  /** The route as configured; null for the implicit route of a listener with {@code service:}. */
  final @Nullable RouteConfig config;
  private final @Nullable HostPattern host;
  private final @Nullable PathPrefix pathPrefix;
  private final HttpMethod[] methods;
  private final @Nullable AsciiString headerName;
  private final @Nullable String headerValue;
  final ServiceTemplate template;
  final boolean stripPrefix;
  private final @Nullable ServiceEntry<HttpService> fixed;
  private final ServiceDirectory.@Nullable Group<HttpService> group;
  final StickySessions sticky;
  final long requestTimeoutNanos;
  final Duration requestTimeout;
  final int maxRetries;
  final RouteStats stats;
  /** The proxy's own answers name the route's service, host and path (routed listeners). */
  final boolean detailedErrors;

  /**
   * @param settings the listener's config as this route overrides it ({@link ListenerConfig#routed})
   */
  ListenerRoute(String name, @Nullable RouteConfig config, ListenerConfig settings, ServiceTemplate template,
      ServiceDirectory<HttpService> directory, ListenerStats listenerStats) {
    this.name = name;
    this.config = config;
    RouteConfig.Match m = config == null ? RouteConfig.Match.ANY : config.match();
    this.host = m.host();
    this.pathPrefix = m.pathPrefix();
    this.methods = new HttpMethod[m.methods().size()];
    for (int i = 0; i < methods.length; i++) {
      methods[i] = HttpMethod.valueOf(m.methods().get(i));
    }
    RouteConfig.Header h = m.header();
    this.headerName = h == null ? null : AsciiString.cached(h.name());
    this.headerValue = h == null ? null : h.value();
    this.template = template;
    this.stripPrefix = config != null && config.stripPrefix();
    String fixedName = template.fixedName();
    this.fixed = fixedName == null ? null : directory.pinned(settings.withService(fixedName));
    this.group = fixedName == null ? directory.group(settings) : null;
    this.sticky = new StickySessions(settings);
    this.requestTimeout = settings.timeouts().request();
    this.requestTimeoutNanos = requestTimeout.toNanos();
    this.maxRetries = settings.retries().attempts();
    this.stats = new RouteStats(listenerStats);
    this.detailedErrors = config != null;
  }

  /**
   * True when every match key of the route holds for the request.
   *
   * @param hostValue the request's authority ({@code Host}), or null; {@code hostEnd} is where its
   *     port starts
   * @param target the origin-form request target
   * @return how many characters of {@code target} the route's path prefix covers (0 without one),
   *     or -1 when the route does not match
   */
  int match(HttpMethod method, @Nullable CharSequence hostValue, int hostEnd, String target, HttpHeaders headers) {
    HostPattern hp = host;
    if (hp != null && (hostValue == null || !hp.matches(hostValue, 0, hostEnd))) {
      return -1;
    }
    if (methods.length > 0 && !methodMatches(method)) {
      return -1;
    }
    AsciiString hn = headerName;
    if (hn != null) {
      String v = headerValue;
      if (v == null ? !headers.contains(hn) : !headers.contains(hn, v, false)) {
        return -1;
      }
    }
    PathPrefix pp = pathPrefix;
    return pp == null ? 0 : pp.match(target);
  }

  private boolean methodMatches(HttpMethod method) {
    for (HttpMethod m : methods) {
      if (m.equals(method)) {
        return true;
      }
    }
    return false;
  }

  /** The fixed service's entry, or null when the route takes its service from the request. */
  @Nullable ServiceEntry<HttpService> fixed() {
    return fixed;
  }

  /** The entry of service {@code name} in this route's group (a placeholder route only). */
  ServiceEntry<HttpService> service(String name) {
    ServiceDirectory.Group<HttpService> g = group;
    if (g == null) {
      throw new IllegalStateException("route '" + name + "' has a fixed service");
    }
    return g.get(name);
  }

  @Override
  public String toString() {
    return "route '" + name + "'";
  }
}
