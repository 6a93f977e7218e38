package dev.keel.proxy.http;

import dev.keel.proxy.config.Cidr;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.upstream.Backend;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Session persistence of one listener:
 * <ul>
 *   <li>{@code lb-cookie}: the proxy's own cookie holds the backend's token; set when a request was
 *       balanced to a backend other than the one its cookie names;
 *   <li>{@code app-cookie}: the application's cookie gets the token as a prefix ({@code token~value})
 *       on the way out, and loses it on the way in, so the application sees its own value. When an
 *       answer sets no such cookie and the request was not already bound to its instance, the
 *       proxy's insert cookie ({@code persistence.insert-cookie}, {@code Path=/; HttpOnly}, a
 *       session cookie) is added with the token, like HAProxy's {@code cookie ... insert indirect}:
 *       it binds the client until the application sets its own, and it is removed from requests
 *       before they reach the instance, which never set it;
 *   <li>{@code client-ip}: the client address is the ring-hash key; it is taken from the
 *       configured headers ({@code Client-IP}, {@code X-Forwarded-For} by default) only when the
 *       peer is a trusted proxy. Strict: a trusted proxy's request that names no client IP gets
 *       500, never another instance.
 * </ul>
 * A pinned backend that is down or gone is ignored and the policy picks. Stateless; thread-safe.
 */
final class StickySessions {
  private static final char SEPARATOR = '~';
  private final String type;
  private final String cookie;
  private final String cookiePrefix;
  /** app-cookie: {@code insert-cookie=}. */
  private final String insertPrefix;
  private final ListenerConfig config;

  StickySessions(ListenerConfig config) {
    this.config = config;
    this.type = config.persistence().type();
    this.cookie = config.persistence().cookie();
    this.cookiePrefix = cookie + "=";
    this.insertPrefix = config.persistence().insertCookie() + "=";
  }

  boolean cookieBased() {
    return "lb-cookie".equals(type) || "app-cookie".equals(type);
  }

  boolean clientIp() {
    return "client-ip".equals(type);
  }

  boolean appCookie() {
    return "app-cookie".equals(type);
  }

  boolean lbCookie() {
    return "lb-cookie".equals(type);
  }

  /**
   * The token the request's cookie carries, or null; for app-cookie the Cookie header is
   * rewritten to the application's own value.
   */
  @Nullable String tokenFrom(HttpHeaders h) {
    String inserted = appCookie() ? removeInserted(h) : null;
    String own = tokenFromCookie(h);
    return own != null ? own : inserted;
  }

  private @Nullable String tokenFromCookie(HttpHeaders h) {
    List<String> cookies = h.getAll(HttpHeaderNames.COOKIE);
    for (int i = 0; i < cookies.size(); i++) {
      String line = cookies.get(i);
      int at = find(line, cookiePrefix);
      if (at < 0) {
        continue;
      }
      int start = at + cookiePrefix.length();
      int end = line.indexOf(';', start);
      String value = line.substring(start, end < 0 ? line.length() : end).trim();
      if (lbCookie()) {
        return value;
      }
      int sep = value.indexOf(SEPARATOR);
      if (sep < 0) {
        return null;
      }
      String stripped = line.substring(0, start) + value.substring(sep + 1) + (end < 0 ? "" : line.substring(end));
      h.remove(HttpHeaderNames.COOKIE);
      for (int j = 0; j < cookies.size(); j++) {
        h.add(HttpHeaderNames.COOKIE, j == i ? stripped : cookies.get(j));
      }
      return value.substring(0, sep);
    }
    return null;
  }

  /**
   * app-cookie: the value of the proxy's insert cookie, which is taken out of the Cookie lines (the
   * instance never set it), or null.
   */
  private @Nullable String removeInserted(HttpHeaders h) {
    List<String> cookies = h.getAll(HttpHeaderNames.COOKIE);
    String token = null;
    List<String> kept = new ArrayList<>(cookies.size());
    for (String line : cookies) {
      int at;
      while ((at = find(line, insertPrefix)) >= 0) {
        int start = at + insertPrefix.length();
        int end = line.indexOf(';', start);
        token = line.substring(start, end < 0 ? line.length() : end).trim();
        // drop "name=value" with the separator after it (or, for the last cookie, before it)
        String before = line.substring(0, at);
        line = end < 0 ? before.replaceFirst(";\\s*$", "") : before + line.substring(end + 1).stripLeading();
      }
      if (!line.isBlank()) {
        kept.add(line);
      }
    }
    if (token != null) {
      h.remove(HttpHeaderNames.COOKIE);
      kept.forEach(l -> h.add(HttpHeaderNames.COOKIE, l));
    }
    return token == null || token.isEmpty() ? null : token;
  }

  /** The index of {@code prefix} ({@code name=}) as a whole cookie name in a Cookie line, or -1. */
  private static int find(String line, String prefix) {
    int from = 0;
    while (true) {
      int at = line.indexOf(prefix, from);
      if (at < 0) {
        return -1;
      }
      if (at == 0 || line.charAt(at - 1) == ' ' || line.charAt(at - 1) == ';') {
        return at;
      }
      from = at + 1;
    }
  }

  /**
   * How a response head is marked so that the next request returns to {@code backend}: the
   * proxy's cookie added (lb-cookie, when the request did not already name it), or the
   * application's cookie prefixed with the backend's token (app-cookie); null when neither applies.
   */
  ResponseWriter.@Nullable CookieEdit responseEdit(Backend backend, @Nullable String requestToken) {
    if (lbCookie()) {
      if (backend.token().equals(requestToken)) {
        return null;
      }
      String added = cookiePrefix + backend.token() + "; Path=/; HttpOnly";
      return new ResponseWriter.CookieEdit() {
        @Override
        public void setCookie(HeadBytes out, ResponseHead head, int i) {
          ResponseWriter.field(out, head, i);
        }

        @Override
        public void extra(HeadBytes out) {
          ResponseWriter.setCookieLine(out, added);
        }
      };
    }
    if (!appCookie()) {
      return null;
    }
    boolean bound = backend.token().equals(requestToken);
    return new ResponseWriter.CookieEdit() {
      private boolean applicationSetIt;

      @Override
      public void setCookie(HeadBytes out, ResponseHead head, int i) {
        FieldIndex f = head.fields();
        String v = new String(head.bytes(), f.valueStart(i), f.valueEnd(i) - f.valueStart(i),
            StandardCharsets.ISO_8859_1);
        if (v.startsWith(cookiePrefix)) {
          applicationSetIt = true;
          ResponseWriter.setCookieLine(out, cookiePrefix + backend.token() + SEPARATOR + v.substring(cookiePrefix.length()));
        } else {
          ResponseWriter.field(out, head, i);
        }
      }

      @Override
      public void extra(HeadBytes out) {
        if (!applicationSetIt && !bound) {
          ResponseWriter.setCookieLine(out, insertPrefix + backend.token() + "; Path=/; HttpOnly");
        }
      }
    };
  }

  /**
   * The client address to hash: the peer's, or what a trusted proxy in front of us says in the
   * first of {@code persistence.client-ip-headers} that names one (each read strictly: an IP
   * literal, never resolved). Null when the peer is a trusted proxy that names none and {@code
   * strict} is on: the request must not be placed by another key (see {@link #strictClientIp()}).
   */
  @Nullable String clientIp(String peer, boolean trustedPeer, HttpHeaders h) {
    if (!trustedPeer) {
      return peer;
    }
    List<String> headers = config.persistence().clientIp().headers();
    for (int i = 0; i < headers.size(); i++) {
      String name = headers.get(i);
      String ip = "x-forwarded-for".equals(name) ? fromForwardedFor(h.get(name)) : literal(h.get(name));
      if (ip != null) {
        return ip;
      }
    }
    return strictClientIp() ? null : peer;
  }

  /** True when a request whose client IP cannot be found is refused (500) rather than hashed by the peer. */
  boolean strictClientIp() {
    return config.persistence().clientIp().strict();
  }

  private static @Nullable String literal(@Nullable String value) {
    if (value == null) {
      return null;
    }
    String v = value.trim();
    return Cidr.literal(v) != null ? v : null;
  }

  /**
   * The rightmost hop that is not one of our trusted proxies (the one the last trusted hop saw), or
   * the leftmost when every hop is trusted; null when that hop is not an IP literal: nothing left of
   * it can be believed.
   */
  private @Nullable String fromForwardedFor(@Nullable String xff) {
    if (xff == null) {
      return null;
    }
    String[] hops = xff.split(",");
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = hops[i].trim();
      if (!trusted(hop)) {
        return literal(hop);
      }
    }
    return hops.length > 0 ? literal(hops[0]) : null;
  }

  /** Strictly, without resolving: a hop is request text, and a name lookup would block the event loop. */
  private boolean trusted(String literal) {
    return config.trusts(literal);
  }

}
