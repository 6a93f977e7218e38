package dev.keel.proxy.http;

import dev.keel.proxy.config.HostPattern;
import dev.keel.proxy.config.ServiceTemplate;
import dev.keel.proxy.routing.ServiceEntry;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.util.AsciiString;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Chooses the route of each request of an HTTP listener: the first of its routes whose match keys
 * hold, then the service that route names (fixed, or taken from the Host or the path). No route →
 * 404; a placeholder that gives an invalid service name → 400; on a listener whose routes look at
 * the path, a path with {@code .} or {@code ..} segments (also percent-encoded) → 400, since the
 * route would be chosen on one path and the instance would serve another. None of these reaches an
 * instance.
 *
 * <p>Matching fixed routes allocates nothing; a placeholder makes the name (one string) and looks it
 * up with one map get. Immutable and thread-safe; the {@link Choice} it fills belongs to the caller.
 */
final class HttpRouter {
  static final AsciiString X_FORWARDED_PREFIX = AsciiString.cached("x-forwarded-prefix");
  private final ListenerRoute[] routes;
  private final boolean pathRouting;

  HttpRouter(List<ListenerRoute> routes) {
    this.routes = routes.toArray(new ListenerRoute[0]);
    boolean paths = false;
    for (ListenerRoute r : routes) {
      paths |= r.config != null && (r.config.match().pathPrefix() != null
          || r.template.source() == ServiceTemplate.Source.PATH);
    }
    this.pathRouting = paths;
  }

  List<ListenerRoute> routes() {
    return List.of(routes);
  }

  /** The one route when the listener has {@code service:} (no routes), else null. */
  @Nullable ListenerRoute single() {
    return routes.length == 1 && routes[0].config == null ? routes[0] : null;
  }

  /**
   * Routes {@code req} (checked, not yet rewritten) into {@code out}: a route and its service, or
   * the refusal to answer.
   *
   * @param host the request's Host value as checked, or null
   * @return true when routed; false when refused ({@link Choice#refused})
   */
  boolean route(HttpRequest req, @Nullable CharSequence host, Choice out) {
    out.reset();
    String target = req.uri();
    if (target.isEmpty() || target.charAt(0) != '/') {
      // absolute-form (the authority is the host, RFC 9112 §3.2.2) or '*': rare, allocates
      String authority = Targets.authority(target);
      host = authority != null ? authority : host;
      target = target.equals("*") ? target : Targets.originForm(target);
    }
    int hostEnd = host == null ? 0 : HostPattern.hostEnd(host);
    if (pathRouting && dotSegments(target)) {
      return out.refuse(HttpResponseStatus.BAD_REQUEST, "path with . or .. segments: " + Errors.shown(target));
    }
    for (ListenerRoute r : routes) {
      int covered = r.match(req.method(), host, hostEnd, target, req.headers());
      if (covered < 0) {
        continue;
      }
      ServiceEntry<HttpService> fixed = r.fixed();
      if (fixed != null) {
        return out.routed(r, fixed, covered);
      }
      String name;
      if (r.template.source() == ServiceTemplate.Source.HOST) {
        name = host == null ? null : r.template.fromHost(host, hostEnd);
      } else {
        long segment = r.template.pathSegment(target);
        name = segment < 0 ? null : r.template.fromPath(target, segment);
        covered = segment < 0 ? covered : Math.max(covered, (int) segment);
      }
      if (name == null) {
        continue; // no such label or segment: the next route may apply
      }
      if (!ServiceTemplate.validName(name)) {
        r.stats.countRequest();
        r.stats.countRefusedByRoute();
        return out.refuse(HttpResponseStatus.BAD_REQUEST, "invalid service name '" + Errors.shown(name) + "' from "
            + r.template + " (expected: 1.." + ServiceTemplate.MAX_NAME + " letters, digits, '.', '_', '-', "
            + "starting with a letter or digit)");
      }
      return out.routed(r, r.service(name), covered);
    }
    return out.refuse(HttpResponseStatus.NOT_FOUND, "no route for host '" + Errors.shown(host == null ? "" : host)
        + "' and path '" + Errors.shown(target) + "'");
  }

  /**
   * True when the path of {@code target} (up to its query) has a segment that is {@code .} or
   * {@code ..}, each dot possibly written {@code %2e}.
   */
  static boolean dotSegments(String target) {
    int end = target.indexOf('?');
    end = end < 0 ? target.length() : end;
    int start = 1;
    while (start <= end) {
      int slash = target.indexOf('/', start);
      int stop = slash < 0 || slash > end ? end : slash;
      int dots = 0;
      int i = start;
      while (i < stop && dots <= 2) {
        if (target.charAt(i) == '.') {
          i++;
        } else if (i + 3 <= stop && target.regionMatches(true, i, "%2e", 0, 3)) {
          i += 3;
        } else {
          break;
        }
        dots++;
      }
      if (i == stop && dots >= 1 && dots <= 2) {
        return true;
      }
      start = stop + 1;
    }
    return false;
  }

  /**
   * Removes the first {@code covered} characters of the (origin-form) target, keeping a leading
   * {@code /}, and tells the instance in {@code X-Forwarded-Prefix} what was removed (after what a
   * trusted proxy in front removed already).
   */
  static void stripPrefix(HttpRequest req, int covered, boolean trustedPeer) {
    String uri = req.uri();
    if (covered <= 0 || covered > uri.length()) {
      return;
    }
    String prefix = uri.substring(0, covered);
    String rest = uri.substring(covered);
    req.setUri(rest.isEmpty() || rest.charAt(0) != '/' ? "/" + rest : rest);
    String before = trustedPeer ? req.headers().get(X_FORWARDED_PREFIX) : null;
    req.headers().set(X_FORWARDED_PREFIX, before == null ? prefix : before + prefix);
  }

  /**
   * What routing one request gave: a route and its service (and how much of the target a
   * {@code strip-prefix} removes), or the status and detail of the refusal. One per connection (or
   * stream), reset for each request.
   */
  static final class Choice {
    @Nullable ListenerRoute route;
    @Nullable ServiceEntry<HttpService> service;
    int covered;
    @Nullable HttpResponseStatus refused;
    String detail = "";

    void reset() {
      route = null;
      service = null;
      covered = 0;
      refused = null;
      detail = "";
    }

    private boolean routed(ListenerRoute r, ServiceEntry<HttpService> s, int covered) {
      r.stats.countRequest();
      s.touch();
      route = r;
      service = s;
      this.covered = r.stripPrefix ? covered : 0;
      return true;
    }

    private boolean refuse(HttpResponseStatus status, String why) {
      refused = status;
      detail = why;
      return false;
    }
  }
}
