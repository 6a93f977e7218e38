package dev.keel.proxy.http;

import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.upstream.Backend;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Session persistence of one listener:
 * <ul>
 *   <li>{@code lb-cookie}: the proxy's own cookie holds the backend's token; set when a request was
 *       balanced to a backend other than the one its cookie names;
 *   <li>{@code app-cookie}: the application's cookie gets the token as a prefix ({@code token~value})
 *       on the way out, and loses it on the way in, so the application sees its own value;
 *   <li>{@code client-ip}: the client address is the ring-hash key; it is taken from
 *       {@code Client-IP} / {@code X-Forwarded-For} only when the peer is a trusted proxy.
 * </ul>
 * A pinned backend that is down or gone is ignored and the policy picks. Stateless; thread-safe.
 */
final class StickySessions {
  private static final char SEPARATOR = '~';
  private final String type;
  private final String cookie;
  private final String cookiePrefix;
  private final ListenerConfig config;

  StickySessions(ListenerConfig config) {
    this.config = config;
    this.type = config.persistence().type();
    this.cookie = config.persistence().cookie();
    this.cookiePrefix = cookie + "=";
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
    List<String> cookies = h.getAll(HttpHeaderNames.COOKIE);
    for (int i = 0; i < cookies.size(); i++) {
      String line = cookies.get(i);
      int at = find(line);
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

  /** The index of {@code name=} as a whole cookie name in a Cookie line, or -1. */
  private int find(String line) {
    int from = 0;
    while (true) {
      int at = line.indexOf(cookiePrefix, from);
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
    return new ResponseWriter.CookieEdit() {
      @Override
      public void setCookie(HeadBytes out, ResponseHead head, int i) {
        FieldIndex f = head.fields();
        String v = new String(head.bytes(), f.valueStart(i), f.valueEnd(i) - f.valueStart(i),
            StandardCharsets.ISO_8859_1);
        if (v.startsWith(cookiePrefix)) {
          ResponseWriter.setCookieLine(out, cookiePrefix + backend.token() + SEPARATOR + v.substring(cookiePrefix.length()));
        } else {
          ResponseWriter.field(out, head, i);
        }
      }

      @Override
      public void extra(HeadBytes out) {}
    };
  }

  /** The client address to hash: the peer, or what a trusted proxy in front of us says. */
  String clientIp(String peer, boolean trustedPeer, HttpHeaders h) {
    if (!trustedPeer) {
      return peer;
    }
    String clientIp = h.get("Client-IP");
    if (clientIp != null && !clientIp.isBlank()) {
      return clientIp.trim();
    }
    String xff = h.get("X-Forwarded-For");
    if (xff == null) {
      return peer;
    }
    // Rightmost address that is not one of our trusted proxies: the one the last trusted hop saw.
    String[] hops = xff.split(",");
    for (int i = hops.length - 1; i >= 0; i--) {
      String hop = hops[i].trim();
      if (!hop.isEmpty() && !trusted(hop)) {
        return hop;
      }
    }
    return hops.length > 0 && !hops[0].isBlank() ? hops[0].trim() : peer;
  }

  /** Strictly, without resolving: a hop is request text, and a name lookup would block the event loop. */
  private boolean trusted(String literal) {
    return config.trusts(literal);
  }

}
