package dev.keel.proxy.http;

import dev.keel.proxy.routing.ServiceEntry;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The step between a checked request head and its exchange, the same on HTTP/1.1
 * ({@link HttpProxyHandler}) and on HTTP/2 ({@link Http2ClientStream}): routes the request
 * ({@link HttpRouter}); reads what session persistence needs before the head is rewritten (the
 * cookie's backend token, the client IP: the rewrite replaces X-Forwarded-For, which client-ip may
 * believe); tells the access log where the request goes; refuses a request that strict client-ip
 * cannot place; then begins the exchange and rewrites the head for the upstream, stripping the
 * route's prefix.
 *
 * <p>A refusal is counted here and answered by the caller ({@link #refused}, {@link #detail}), which
 * frames it. One per client connection, reused for each request ({@link #route} sets every field
 * anew); confined to the connection's event loop.
 */
final class RoutedRequest {
  private static final Logger log = LoggerFactory.getLogger(RoutedRequest.class);
  static final String NO_CLIENT_IP = "no client IP: the trusted proxy in front sent none of persistence.client-ip-headers"
      + " (strict client-ip persistence places no request without one)";

  private final HttpRoute route;
  private final String peer;
  private final boolean trustedPeer;
  private final boolean http2Upstream;
  private final HttpRouter.Choice choice = new HttpRouter.Choice();
  // What route found for the current request.
  private @Nullable String token;
  private @Nullable CharSequence key;
  private HttpResponseStatus refused = HttpResponseStatus.NOT_FOUND;
  private String detail = "";

  /**
   * @param peer the client's address text; {@code trustedPeer} when it is a configured trusted proxy
   * @param http2Upstream the head is rewritten for an HTTP/2 instance ({@link HeaderRewriter#request})
   */
  RoutedRequest(HttpRoute route, String peer, boolean trustedPeer, boolean http2Upstream) {
    this.route = route;
    this.peer = peer;
    this.trustedPeer = trustedPeer;
    this.http2Upstream = http2Upstream;
  }

  /**
   * Routes {@code req}; false when the request is refused (no route matched, a route refused it, or
   * strict client-ip found no client IP): counted, to be answered with {@link #refused} and
   * {@link #detail}.
   *
   * @param stream the HTTP/2 stream id, for the log; 0 on HTTP/1.1
   * @param line the request's access log line, or null when the listener has none
   */
  boolean route(HttpRequest req, RequestHead head, int stream, @Nullable ExchangeLog line) {
    choice.reset();
    token = null;
    key = null;
    HttpRouter.Choice c = choice;
    if (!route.router.route(req, head.host, c)) {
      if (stream == 0) {
        log.debug("refused {} from {}: {}", c.refused, peer, c.detail);
      } else {
        log.debug("refused {} from {} (stream {}): {}", c.refused, peer, stream, c.detail);
      }
      route.stats().refusedByRoutes(c.refused);
      return refuse(c.refused == null ? HttpResponseStatus.NOT_FOUND : c.refused, c.detail);
    }
    ListenerRoute rule = rule();
    ServiceEntry<HttpService> to = service();
    StickySessions sticky = rule.sticky;
    // read before the head is rewritten: the rewrite replaces X-Forwarded-For, which client-ip may believe
    token = sticky.cookieBased() ? sticky.tokenFrom(req.headers()) : null;
    key = sticky.clientIp() ? sticky.clientIp(peer, trustedPeer, req.headers()) : null;
    if (line != null) {
      String ip = key != null ? key.toString() : sticky.clientIp(peer, trustedPeer, req.headers());
      line.routed(ip != null ? ip : peer, rule.config == null ? null : rule.name, to.name());
    }
    if (key == null && sticky.clientIp()) {
      // strict client-ip: a trusted proxy that names no client IP; hashing anything else would
      // send the client to an instance that is not its own
      route.stats().rejected.increment();
      return refuse(HttpResponseStatus.INTERNAL_SERVER_ERROR, NO_CLIENT_IP);
    }
    return true;
  }

  private boolean refuse(HttpResponseStatus status, String why) {
    refused = status;
    detail = why;
    return false;
  }

  /**
   * Begins {@code e} with the request {@link #route} placed, then rewrites the head for the
   * upstream and strips the route's prefix.
   */
  Exchange begin(Exchange e, HttpRequest req, RequestHead head, boolean websocket) {
    e.begin(req, head, websocket, token, key, rule(), service());
    HeaderRewriter.request(req, head, websocket, peer, trustedPeer, route.proto(), route.clientHeaders, http2Upstream);
    if (choice.covered > 0) {
      HttpRouter.stripPrefix(req, choice.covered, trustedPeer);
    }
    return e;
  }

  /** The status of the last refusal. */
  HttpResponseStatus refused() {
    return refused;
  }

  /** What the last refusal's answer says (empty: nothing more than its status). */
  String detail() {
    return detail;
  }

  private ListenerRoute rule() {
    ListenerRoute r = choice.route;
    if (r == null) {
      throw new IllegalStateException("routed without a route");
    }
    return r;
  }

  private ServiceEntry<HttpService> service() {
    ServiceEntry<HttpService> s = choice.service;
    if (s == null) {
      throw new IllegalStateException("routed without a route");
    }
    return s;
  }
}
