package dev.keel.proxy.http;

/**
 * Byte-level rules of HTTP/1.1 field lines (RFC 9110 §5), over a head copied into an array:
 * token and field-value characters, optional whitespace, case-insensitive names, and the elements
 * of a comma-separated value. Static, allocation-free.
 */
final class FieldBytes {
  private static final boolean[] TCHAR = new boolean[256];

  static {
    for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
      TCHAR[c] = true;
    }
    for (int c = '0'; c <= '9'; c++) {
      TCHAR[c] = true;
    }
    for (int c = 'a'; c <= 'z'; c++) {
      TCHAR[c] = true;
      TCHAR[c - 32] = true;
    }
  }

  private FieldBytes() {}

  /** A token character (RFC 9110 §5.6.2): what a field name is made of. */
  static boolean tchar(byte b) {
    return TCHAR[b & 0xff];
  }

  /** field-vchar, SP or HTAB (RFC 9110 §5.5): no controls, no DEL. */
  static boolean fieldValueByte(byte b) {
    return b == '\t' || (b >= 0x20 && b != 0x7f) || b < 0;
  }

  static int indexOf(byte[] h, int from, int to, byte b) {
    for (int i = from; i < to; i++) {
      if (h[i] == b) {
        return i;
      }
    }
    return -1;
  }

  /** The first index in [a, b) that is not optional whitespace (SP, HTAB), or b. */
  static int skipOws(byte[] h, int a, int b) {
    while (a < b && (h[a] == ' ' || h[a] == '\t')) {
      a++;
    }
    return a;
  }

  /** The end of [a, b) without its trailing optional whitespace. */
  static int backOws(byte[] h, int a, int b) {
    while (b > a && (h[b - 1] == ' ' || h[b - 1] == '\t')) {
      b--;
    }
    return b;
  }

  /** Case-insensitive comparison of {@code lower.length()} bytes at {@code at} with a lower-case ASCII name. */
  static boolean is(byte[] h, int at, String lower) {
    for (int i = 0; i < lower.length(); i++) {
      if (lowerCase(h[at + i]) != lower.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /** Case-insensitive (ASCII letters only) comparison of {@code len} bytes at {@code a} and {@code b}. */
  static boolean equalsIgnoreCase(byte[] h, int a, int b, int len) {
    for (int i = 0; i < len; i++) {
      if (lowerCase(h[a + i]) != lowerCase(h[b + i])) {
        return false;
      }
    }
    return true;
  }

  /**
   * A Content-Length value in h[from, to): digits, or, when {@code lists} (HTTP/1.1), a list of
   * identical ones (RFC 9110 §8.6: the same digits, so "03, 3" is refused, as Netty does); -1 when
   * invalid. HTTP/1.0 has no field lists (RFC 1945 §10.4: 1*DIGIT), and Netty refuses one there
   * too. {@code e} is a scratch walker.
   */
  static long contentLength(byte[] h, int from, int to, Elements e, boolean lists) {
    long value = -1;
    int firstStart = 0;
    int firstLength = 0;
    e.of(h, from, to);
    while (e.next()) {
      int n = e.length();
      if (n == 0 || n > 18) {
        return -1;
      }
      if (value >= 0) {
        if (!lists || n != firstLength || !java.util.Arrays.equals(h, e.start, e.end, h, firstStart, firstStart + n)) {
          return -1;
        }
        continue;
      }
      long v = 0;
      for (int i = e.start; i < e.end; i++) {
        byte d = h[i];
        if (d < '0' || d > '9') {
          return -1;
        }
        v = v * 10 + (d - '0');
      }
      value = v;
      firstStart = e.start;
      firstLength = n;
    }
    return value;
  }

  private static int lowerCase(byte b) {
    return b >= 'A' && b <= 'Z' ? b + 32 : b;
  }

  /**
   * Walks the elements of a comma-separated field value: after each {@link #next()}, the element
   * is [{@link #start}, {@link #end}) without its surrounding whitespace (empty elements included).
   * Reusable; confined to one thread.
   */
  static final class Elements {
    int start;
    int end;
    private byte[] h = new byte[0];
    private int next;
    private int to;

    Elements of(byte[] bytes, int from, int limit) {
      h = bytes;
      next = from;
      to = limit;
      return this;
    }

    boolean next() {
      if (next > to) {
        return false;
      }
      int c = next;
      while (c < to && h[c] != ',') {
        c++;
      }
      start = skipOws(h, next, c);
      end = backOws(h, start, c);
      next = c + 1;
      return true;
    }

    int length() {
      return end - start;
    }
  }
}
