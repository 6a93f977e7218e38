package dev.keel.proxy.http;

import java.util.Arrays;

/**
 * Where each field line of a {@link ResponseHead} is in the head's bytes (name and value, the value
 * without surrounding whitespace), and what kind of field it is for the proxy: one of the framing
 * and connection fields it regenerates, another hop-by-hop one it drops, a Set-Cookie that session
 * persistence may edit, or any other, copied as received. Reused for every head of a connection;
 * grows, never shrinks. Confined to the connection's event loop.
 */
final class FieldIndex {
  static final byte OTHER = 0;
  static final byte CONTENT_LENGTH = 1;
  static final byte TRANSFER_ENCODING = 2;
  static final byte CONNECTION = 3;
  /** Hop-by-hop fields other than Connection, Transfer-Encoding and Content-Length (RFC 9110 §7.6.1). */
  static final byte HOP = 4;
  static final byte SET_COOKIE = 5;
  /** Most field lines a head may have. */
  static final int MAX_FIELDS = 256;

  private int count;
  private int[] nameStart = new int[16];
  private int[] nameEnd = new int[16];
  private int[] valueStart = new int[16];
  private int[] valueEnd = new int[16];
  private byte[] kind = new byte[16];

  int count() {
    return count;
  }

  int nameStart(int i) {
    return nameStart[i];
  }

  int nameEnd(int i) {
    return nameEnd[i];
  }

  int valueStart(int i) {
    return valueStart[i];
  }

  int valueEnd(int i) {
    return valueEnd[i];
  }

  byte kind(int i) {
    return kind[i];
  }

  void clear() {
    count = 0;
  }

  /** Indexes the field whose name is h[ns, ne) and value h[vs, ve); false when {@link #MAX_FIELDS} are there already. */
  boolean add(byte[] h, int ns, int ne, int vs, int ve) {
    if (count == MAX_FIELDS) {
      return false;
    }
    if (count == kind.length) {
      int size = count * 2;
      nameStart = Arrays.copyOf(nameStart, size);
      nameEnd = Arrays.copyOf(nameEnd, size);
      valueStart = Arrays.copyOf(valueStart, size);
      valueEnd = Arrays.copyOf(valueEnd, size);
      kind = Arrays.copyOf(kind, size);
    }
    nameStart[count] = ns;
    nameEnd[count] = ne;
    valueStart[count] = vs;
    valueEnd[count] = ve;
    kind[count] = classify(h, ns, ne - ns);
    count++;
    return true;
  }

  /** By length first: most fields are none of these, and are passed over after one comparison. */
  private static byte classify(byte[] h, int at, int len) {
    switch (len) {
      case 2:
        return FieldBytes.is(h, at, "te") ? HOP : OTHER;
      case 7:
        return FieldBytes.is(h, at, "upgrade") || FieldBytes.is(h, at, "trailer") ? HOP : OTHER;
      case 10:
        if (FieldBytes.is(h, at, "connection")) {
          return CONNECTION;
        }
        if (FieldBytes.is(h, at, "keep-alive")) {
          return HOP;
        }
        return FieldBytes.is(h, at, "set-cookie") ? SET_COOKIE : OTHER;
      case 14:
        return FieldBytes.is(h, at, "content-length") ? CONTENT_LENGTH : OTHER;
      case 16:
        return FieldBytes.is(h, at, "proxy-connection") ? HOP : OTHER;
      case 17:
        return FieldBytes.is(h, at, "transfer-encoding") ? TRANSFER_ENCODING : OTHER;
      default:
        return OTHER;
    }
  }
}
