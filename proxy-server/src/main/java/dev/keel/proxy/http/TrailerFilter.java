package dev.keel.proxy.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Request trailers lose what request heads lose (issue 21 item 8): a trailer section is field lines
 * like a head's, and an instance that merges them into the head (RFC 9110 §6.5.2 lets it, for
 * fields whose definition allows) would see what the proxy removed or set. Never forwarded from
 * trailers: hop-by-hop fields and those the request's {@code Connection} names, framing fields
 * ({@code Content-Length}, {@code Transfer-Encoding}, {@code Trailer}), {@code Host}, {@code
 * Expect}, {@code Proxy-Authorization}, and the client-address fields the proxy sets or vouches for
 * ({@code X-Forwarded-*}, {@code Forwarded}, {@code X-Real-IP}, {@code Client-IP}, {@code
 * True-Client-IP}). Everything else (checksums, signatures, gRPC-style status) passes.
 */
final class TrailerFilter {
  private static final AsciiString X_FORWARDED = AsciiString.cached("x-forwarded-");
  private static final String[] NEVER = {
      "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "content-length",
      "upgrade", "host", "expect", "proxy-authorization", "forwarded", "x-real-ip", "client-ip", "true-client-ip",
  };

  private TrailerFilter() {}

  /**
   * Removes from {@code trailers} every field that must not reach the instance.
   *
   * @param connection the values of the request head's {@code Connection} fields
   */
  static void apply(HttpHeaders trailers, List<? extends CharSequence> connection) {
    if (trailers.isEmpty()) {
      return;
    }
    @Nullable List<CharSequence> drop = null; // the iterator is read-only: names first, removal after
    Iterator<Map.Entry<CharSequence, CharSequence>> it = trailers.iteratorCharSequence();
    while (it.hasNext()) {
      CharSequence name = it.next().getKey();
      if (never(name, connection)) {
        if (drop == null) {
          drop = new ArrayList<>(4);
        }
        drop.add(name);
      }
    }
    if (drop != null) {
      for (int i = 0; i < drop.size(); i++) {
        trailers.remove(drop.get(i));
      }
    }
  }

  private static boolean never(CharSequence name, List<? extends CharSequence> connection) {
    for (String n : NEVER) {
      if (AsciiString.contentEqualsIgnoreCase(name, n)) {
        return true;
      }
    }
    if (name.length() > X_FORWARDED.length()
        && AsciiString.regionMatches(name, true, 0, X_FORWARDED, 0, X_FORWARDED.length())) {
      return true;
    }
    for (int i = 0; i < connection.size(); i++) {
      if (Tokens.contains(connection.get(i), name.toString())) {
        return true;
      }
    }
    return false;
  }
}
