package dev.keel.proxy.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.AsciiString;

/**
 * The names of the fields clients send most, as shared {@link AsciiString}s, found from a head's
 * bytes without allocating. A name is matched exactly, case included: the proxy forwards a name
 * as the client spelled it, so "host" and "Host" are two entries, and a spelling not listed gets
 * its own view over the head's bytes. Static, immutable.
 */
final class FieldNames {
  private static final int LONGEST = 32;
  /** By length: the known spellings of that length. */
  private static final AsciiString[][] BY_LENGTH = new AsciiString[LONGEST + 1][];

  static {
    String[] names = {
      "host", "user-agent", "accept", "accept-encoding", "accept-language", "accept-charset",
      "connection", "content-length", "content-type", "content-encoding", "cookie", "authorization",
      "referer", "origin", "cache-control", "pragma", "upgrade", "transfer-encoding", "expect", "te",
      "trailer", "keep-alive", "proxy-connection", "proxy-authorization", "x-forwarded-for",
      "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "forwarded", "x-real-ip",
      "x-request-id", "if-none-match", "if-modified-since", "if-match", "range", "date", "via",
      "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions",
      "sec-websocket-protocol", "sec-fetch-site", "sec-fetch-mode", "sec-fetch-dest", "dnt",
      "upgrade-insecure-requests", "priority", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding"};
    java.util.Map<String, AsciiString> netty = new java.util.HashMap<>();
    for (java.lang.reflect.Field f : HttpHeaderNames.class.getFields()) {
      try {
        if (f.get(null) instanceof AsciiString a) {
          netty.put(a.toString(), a);
        }
      } catch (IllegalAccessException e) {
        throw new AssertionError(e); // public static fields
      }
    }
    java.util.List<AsciiString> all = new java.util.ArrayList<>();
    for (String n : names) {
      all.add(netty.getOrDefault(n, AsciiString.cached(n))); // Netty's own where it has one: the same instance everywhere
      all.add(AsciiString.cached(titleCase(n)));
    }
    all.add(AsciiString.cached("TE"));
    all.add(AsciiString.cached("DNT"));
    all.add(AsciiString.cached("X-Request-ID"));
    all.add(AsciiString.cached("X-Real-IP"));
    for (int len = 0; len <= LONGEST; len++) {
      int length = len;
      BY_LENGTH[len] = all.stream().filter(a -> a.length() == length).distinct().toArray(AsciiString[]::new);
    }
  }

  private FieldNames() {}

  /** The shared name spelled exactly as bytes h[from, to), or a new view over those bytes (not copied). */
  static AsciiString of(byte[] h, int from, int to) {
    int len = to - from;
    if (len <= LONGEST) {
      for (AsciiString a : BY_LENGTH[len]) {
        if (same(a, h, from, len)) {
          return a;
        }
      }
    }
    return new AsciiString(h, from, len, false);
  }

  private static boolean same(AsciiString a, byte[] h, int from, int len) {
    byte[] b = a.array();
    int o = a.arrayOffset();
    for (int i = len - 1; i >= 0; i--) { // from the end: most names of a length share their start
      if (b[o + i] != h[from + i]) {
        return false;
      }
    }
    return true;
  }

  private static String titleCase(String lower) {
    char[] c = lower.toCharArray();
    for (int i = 0; i < c.length; i++) {
      if (i == 0 || c[i - 1] == '-') {
        c[i] = Character.toUpperCase(c[i]);
      }
    }
    return new String(c);
  }
}
