package dev.keel.proxy.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Removes, from a request on its way to an instance, the headers by which a client could claim
 * another address or identity than the one the proxy sees:
 * <ul>
 *   <li>from a client that is not a trusted proxy, every header of the listener's
 *       {@code client-address-headers} ({@code Forwarded}, {@code X-Real-IP}, {@code Client-IP},
 *       {@code True-Client-IP}, ... by default): instances and frameworks believe them;
 *   <li>from every client, the underscore spellings of those and of {@code X-Forwarded-*}
 *       ({@code X_Forwarded_For}): CGI-style servers (PHP, WSGI, Rack) read a header as
 *       {@code HTTP_X_FORWARDED_FOR} whichever of {@code -} or {@code _} it was sent with, so a
 *       forged {@code X_Forwarded_For} could override the {@code X-Forwarded-For} the proxy sets.
 *       No proxy sends them.
 * </ul>
 * {@code X-Forwarded-For}, {@code -Proto} and {@code -Host} themselves are set by
 * {@link HeaderRewriter}. One pass over the header names, with a length check first, so most
 * headers cost one comparison. Immutable, shared by a listener's connections.
 */
final class ClientAddressHeaders {
  private static final List<String> FORWARDING = List.of("x-forwarded-for", "x-forwarded-proto", "x-forwarded-host",
      "x-forwarded-port", "x-forwarded-prefix", "x-forwarded-client-cert");

  /** Names removed from untrusted clients, lower case, indexed by length. */
  private final AsciiString[][] untrusted;
  /** Names whose underscore spelling is removed from everyone, lower case with '-', by length. */
  private final AsciiString[][] underscored;

  ClientAddressHeaders(List<String> clientAddressHeaders) {
    untrusted = byLength(clientAddressHeaders);
    List<String> all = new ArrayList<>(FORWARDING);
    all.addAll(clientAddressHeaders);
    underscored = byLength(all);
  }

  /** Removes what a client ({@code trusted}: a configured trusted proxy) may not send on. */
  void strip(HttpHeaders h, boolean trusted) {
    List<CharSequence> remove = null;
    Iterator<Map.Entry<CharSequence, CharSequence>> it = h.iteratorCharSequence();
    while (it.hasNext()) {
      CharSequence name = it.next().getKey();
      if ((!trusted && among(name, untrusted, false)) || among(name, underscored, true)) {
        if (remove == null) {
          remove = new ArrayList<>(2);
        }
        remove.add(name);
      }
    }
    if (remove != null) {
      for (CharSequence name : remove) {
        h.remove(name);
      }
    }
  }

  /**
   * Whether {@code name} is one of {@code names} ignoring case; with {@code underscore}, only a
   * spelling with at least one '_' where the name has '-'.
   */
  private static boolean among(CharSequence name, AsciiString[][] names, boolean underscore) {
    int n = name.length();
    if (n >= names.length) {
      return false;
    }
    for (AsciiString candidate : names[n]) {
      if (matches(name, candidate, underscore)) {
        return true;
      }
    }
    return false;
  }

  private static boolean matches(CharSequence name, AsciiString candidate, boolean underscore) {
    boolean sawUnderscore = false;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      char want = (char) (candidate.byteAt(i) & 0xff);
      if (c == '_' && want == '-') {
        sawUnderscore = true;
        if (!underscore) {
          return false;
        }
        continue;
      }
      if (AsciiString.toLowerCase(c) != want) {
        return false;
      }
    }
    return !underscore || sawUnderscore;
  }

  private static AsciiString[][] byLength(List<String> names) {
    int max = 0;
    for (String s : names) {
      max = Math.max(max, s.length());
    }
    List<List<AsciiString>> lists = new ArrayList<>();
    for (int i = 0; i <= max; i++) {
      lists.add(new ArrayList<>());
    }
    for (String s : names) {
      lists.get(s.length()).add(AsciiString.cached(s));
    }
    AsciiString[][] out = new AsciiString[max + 1][];
    for (int i = 0; i <= max; i++) {
      out[i] = lists.get(i).toArray(new AsciiString[0]);
    }
    return out;
  }
}
