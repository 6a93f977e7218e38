package dev.keel.proxy.http;

import io.netty.buffer.ByteBuf;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * A response head from an upstream, checked and indexed in place: the status, where each header
 * line's name and value are in {@link #bytes()}, and how the body is framed (RFC 9112 §6.3). One
 * instance per upstream connection, refilled for each response, so it must be consumed before the
 * decoder reads on. The head's bytes are copied once into an array that is reused: parsing it
 * needs no per-byte bounds or reference-count checks, and nothing is left to release.
 */
final class ResponseHead {
  static final int NONE = 0;
  static final int LENGTH = 1;
  static final int CHUNKED = 2;
  static final int UNTIL_CLOSE = 3;

  static final byte OTHER = 0;
  static final byte CONTENT_LENGTH = 1;
  static final byte TRANSFER_ENCODING = 2;
  static final byte CONNECTION = 3;
  /** Hop-by-hop fields other than Connection, Transfer-Encoding and Content-Length (RFC 9110 §7.6.1). */
  static final byte HOP = 4;
  static final byte SET_COOKIE = 5;

  private static final int MAX_FIELDS = 256;
  private static final int FIRST_COPY = 2048;
  private byte[] bytes = new byte[512];
  private int length;
  private int status;
  private int minor;
  private int reasonStart;
  private int reasonEnd;
  private int count;
  private int[] nameStart = new int[16];
  private int[] nameEnd = new int[16];
  private int[] valueStart = new int[16];
  private int[] valueEnd = new int[16];
  private byte[] kind = new byte[16];
  private int body;
  private long contentLength;
  private boolean hasLength;
  private boolean close;
  private boolean keepAliveToken;
  private boolean connectionNamesOthers;
  private final FieldBytes.Elements elements = new FieldBytes.Elements();

  /** The head as received; offsets below index it. Valid until the next response is read. */
  byte[] bytes() {
    return bytes;
  }

  /** The head's length in {@link #bytes()}, its empty line included. */
  int length() {
    return length;
  }

  int status() {
    return status;
  }

  int reasonStart() {
    return reasonStart;
  }

  int reasonEnd() {
    return reasonEnd;
  }

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

  /** {@link #NONE}, {@link #LENGTH}, {@link #CHUNKED} or {@link #UNTIL_CLOSE}. */
  int body() {
    return body;
  }

  long contentLength() {
    return contentLength;
  }

  /** True when the response carried a valid Content-Length (kept for HEAD and 304 answers, where it describes the GET's body). */
  boolean hasLength() {
    return hasLength;
  }

  /** True when the upstream connection can carry another request after this response. */
  boolean upstreamKeepAlive() {
    return body != UNTIL_CLOSE && !close && (minor == 1 || keepAliveToken);
  }

  /** True when field {@code i} is hop-by-hop: a framing or connection field, or one named in Connection. */
  boolean hopByHop(int i) {
    byte k = kind[i];
    if (k != OTHER && k != SET_COOKIE) {
      return true;
    }
    return connectionNamesOthers && namedInConnection(i);
  }

  /** {@link #read}: the head is not all there yet. */
  static final int INCOMPLETE = -1;
  /** {@link #read}: the head is malformed; {@link #problem()} says how. */
  static final int MALFORMED = -2;

  private @Nullable String problem;

  /**
   * Reads the head at the start of {@code in}'s readable bytes (empty lines before it are skipped,
   * RFC 9112 §2.2): copies what is there (up to {@code max} bytes) once, then checks and indexes it
   * in one pass. Returns how many bytes the head took, empty line included, or {@link #INCOMPLETE}
   * or {@link #MALFORMED}. Nothing of {@code in} is consumed.
   */
  int read(ByteBuf in, int max, boolean headRequest) {
    int available = Math.min(in.readableBytes(), max);
    // most heads are a few hundred bytes: copy a little first, all only when that was not enough
    int result = readPrefix(in, Math.min(available, FIRST_COPY), headRequest);
    if (result == INCOMPLETE && available > FIRST_COPY) {
      result = readPrefix(in, available, headRequest);
    }
    if (result == INCOMPLETE && available >= max) {
      problem = "head larger than " + max + " bytes";
      return MALFORMED;
    }
    return result;
  }

  private int readPrefix(ByteBuf in, int n, boolean headRequest) {
    reset();
    copy(in, n);
    byte[] h = bytes;
    int p = 0;
    while (p < n && (h[p] == '\r' || h[p] == '\n')) {
      p++;
    }
    int lf = FieldBytes.indexOf(h, p, n, (byte) '\n');
    if (lf < 0) {
      return INCOMPLETE;
    }
    problem = statusLine(h, p, lf);
    if (problem != null) {
      return MALFORMED;
    }
    int end = scanFields(h, lf + 1, n, true);
    if (end < 0) {
      return end;
    }
    problem = framing(h, headRequest);
    if (problem != null) {
      return MALFORMED;
    }
    length = end;
    return end;
  }

  /** Why {@link #read} or {@link #readTrailers} refused what it read. */
  @Nullable String problem() {
    return problem;
  }

  private void reset() {
    problem = null;
    count = 0;
    body = NONE;
    contentLength = -1;
    hasLength = false;
    close = false;
    keepAliveToken = false;
    connectionNamesOthers = false;
  }

  /** The status line in [r, lf], lf its LF: HTTP/1.x SP 3DIGIT [SP reason] CRLF. Null when well formed. */
  private @Nullable String statusLine(byte[] h, int r, int lf) {
    if (lf - r < 12 || h[r] != 'H' || h[r + 1] != 'T' || h[r + 2] != 'T'
        || h[r + 3] != 'P' || h[r + 4] != '/' || h[r + 5] != '1' || h[r + 6] != '.') {
      return "status line";
    }
    byte m = h[r + 7];
    if ((m != '0' && m != '1') || h[r + 8] != ' ') {
      return "version";
    }
    minor = m - '0';
    int code = 0;
    for (int i = r + 9; i < r + 12; i++) {
      byte d = h[i];
      if (d < '0' || d > '9') {
        return "status code";
      }
      code = code * 10 + (d - '0');
    }
    if (code < 100) {
      return "status code";
    }
    status = code;
    int eol = h[lf - 1] == '\r' ? lf - 1 : lf;
    int start = r + 12;
    if (start < eol) {
      if (h[start] != ' ') {
        return "status line";
      }
      start++;
    }
    for (int i = start; i < eol; i++) {
      if (!FieldBytes.fieldValueByte(h[i])) {
        return "reason phrase";
      }
    }
    reasonStart = Math.min(start, eol);
    reasonEnd = eol;
    return null;
  }

  /**
   * Reads a trailer section (field lines up to and including the empty line) at the start of
   * {@code in}'s readable bytes: its length, {@link #INCOMPLETE} or {@link #MALFORMED}; checked,
   * not indexed. Reuses this head's array: call only once the head has been consumed.
   */
  int readTrailers(ByteBuf in, int max) {
    int n = copy(in, Math.min(in.readableBytes(), max));
    problem = null;
    int end = scanFields(bytes, 0, n, false);
    if (end == INCOMPLETE && n >= max) {
      problem = "trailer section larger than " + max + " bytes";
      return MALFORMED;
    }
    return end;
  }

  /** Copies the first {@code n} readable bytes of {@code in} into {@link #bytes}; returns n. */
  private int copy(ByteBuf in, int n) {
    if (bytes.length < n) {
      bytes = new byte[Math.max(n, bytes.length * 2)];
    }
    in.getBytes(in.readerIndex(), bytes, 0, n);
    return n;
  }

  /**
   * Checks (and with {@code index}, indexes) the field lines from {@code from}: the index just past
   * the empty line that ends them, {@link #INCOMPLETE} when it is not in the first {@code n} bytes,
   * or {@link #MALFORMED} with {@link #problem} set.
   */
  private int scanFields(byte[] h, int from, int n, boolean index) {
    int p = from;
    while (p < n) {
      int lf = FieldBytes.indexOf(h, p, n, (byte) '\n');
      if (lf < 0) {
        return INCOMPLETE;
      }
      int eol = lf > p && h[lf - 1] == '\r' ? lf - 1 : lf;
      if (eol == p) {
        return lf + 1; // the empty line: end of the section
      }
      String bad = fieldLine(h, p, eol, index);
      if (bad != null) {
        problem = bad;
        return MALFORMED;
      }
      p = lf + 1;
    }
    return INCOMPLETE;
  }

  private @Nullable String fieldLine(byte[] h, int p, int eol, boolean index) {
    byte first = h[p];
    if (first == ' ' || first == '\t') {
      return "obsolete line folding";
    }
    int colon = p;
    while (colon < eol && FieldBytes.tchar(h[colon])) {
      colon++;
    }
    if (colon == p || colon == eol || h[colon] != ':') {
      return "field name";
    }
    int vs = FieldBytes.skipOws(h, colon + 1, eol);
    int ve = FieldBytes.backOws(h, vs, eol);
    for (int i = vs; i < ve; i++) {
      if (!FieldBytes.fieldValueByte(h[i])) {
        return "field value";
      }
    }
    if (index) {
      if (count == MAX_FIELDS) {
        return "more than " + MAX_FIELDS + " fields";
      }
      add(h, p, colon, vs, ve);
    }
    return null;
  }

  private void add(byte[] h, int ns, int ne, int vs, int ve) {
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
  }

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

  private @Nullable String framing(byte[] h, boolean headRequest) {
    boolean te = false;
    boolean chunkedLast = false;
    for (int i = 0; i < count; i++) {
      byte k = kind[i];
      if (k == CONTENT_LENGTH) {
        long v = length(h, valueStart[i], valueEnd[i]);
        if (v < 0 || (contentLength >= 0 && v != contentLength)) {
          return "Content-Length";
        }
        contentLength = v;
      } else if (k == TRANSFER_ENCODING) {
        te = true;
        chunkedLast = lastCodingIsChunked(h, valueStart[i], valueEnd[i]);
      } else if (k == CONNECTION) {
        connectionTokens(h, valueStart[i], valueEnd[i]);
      }
    }
    if (te && contentLength >= 0) {
      return "both Transfer-Encoding and Content-Length"; // RFC 9112 §6.3: ought to be handled as an error
    }
    hasLength = contentLength >= 0;
    if (headRequest || status < 200 || status == 204 || status == 304) {
      body = NONE;
    } else if (te) {
      body = chunkedLast ? CHUNKED : UNTIL_CLOSE;
    } else if (contentLength > 0) {
      body = LENGTH;
    } else if (contentLength == 0) {
      body = NONE;
    } else {
      body = UNTIL_CLOSE;
    }
    return null;
  }

  /** A Content-Length value: digits, or a list of identical ones (RFC 9110 §8.6); -1 when invalid. */
  private long length(byte[] h, int from, int to) {
    long value = -1;
    FieldBytes.Elements e = elements.of(h, from, to);
    while (e.next()) {
      if (e.length() == 0 || e.length() > 18) {
        return -1;
      }
      long v = 0;
      for (int i = e.start; i < e.end; i++) {
        byte d = h[i];
        if (d < '0' || d > '9') {
          return -1;
        }
        v = v * 10 + (d - '0');
      }
      if (value >= 0 && v != value) {
        return -1;
      }
      value = v;
    }
    return value;
  }

  /** True when the last transfer coding listed is chunked (RFC 9112 §6.3). */
  private boolean lastCodingIsChunked(byte[] h, int from, int to) {
    boolean chunked = false;
    FieldBytes.Elements e = elements.of(h, from, to);
    while (e.next()) {
      chunked = e.length() == 7 && FieldBytes.is(h, e.start, "chunked");
    }
    return chunked;
  }

  private void connectionTokens(byte[] h, int from, int to) {
    FieldBytes.Elements e = elements.of(h, from, to);
    while (e.next()) {
      if (e.length() == 5 && FieldBytes.is(h, e.start, "close")) {
        close = true;
      } else if (e.length() == 10 && FieldBytes.is(h, e.start, "keep-alive")) {
        keepAliveToken = true;
      } else if (e.length() > 0) {
        connectionNamesOthers = true;
      }
    }
  }

  private boolean namedInConnection(int field) {
    int len = nameEnd[field] - nameStart[field];
    for (int i = 0; i < count; i++) {
      if (kind[i] == CONNECTION) {
        FieldBytes.Elements e = elements.of(bytes, valueStart[i], valueEnd[i]);
        while (e.next()) {
          if (e.length() == len && FieldBytes.equalsIgnoreCase(bytes, e.start, nameStart[field], len)) {
            return true;
          }
        }
      }
    }
    return false;
  }
}
