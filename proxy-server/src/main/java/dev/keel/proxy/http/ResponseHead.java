package dev.keel.proxy.http;

import io.netty.buffer.ByteBuf;
import org.jspecify.annotations.Nullable;

/**
 * A response head from an upstream, checked and indexed in place: the status, where each header
 * line's name and value are in {@link #bytes()}, and how the body is framed (RFC 9112 §6.3). One
 * instance per upstream connection, refilled for each response, so it must be consumed before the
 * decoder reads on. The head's bytes are copied once into an array that is reused: parsing it
 * needs no per-byte bounds or reference-count checks, and nothing is left to release.
 */
class ResponseHead { // not final: H2ResponseHead also keeps the HTTP/2 HEADERS a head was read from
  static final int NONE = 0;
  static final int LENGTH = 1;
  static final int CHUNKED = 2;
  static final int UNTIL_CLOSE = 3;

  private static final int FIRST_COPY = 2048;
  private byte[] bytes = new byte[512];
  private int length;
  private int status;
  private int minor;
  private int reasonStart;
  private int reasonEnd;
  private final FieldIndex fields = new FieldIndex();
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

  /** Where each field line is in {@link #bytes()}, and what kind of field it is. */
  FieldIndex fields() {
    return fields;
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
    byte k = fields.kind(i);
    if (k != FieldIndex.OTHER && k != FieldIndex.SET_COOKIE) {
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
    return parse(n, headRequest);
  }

  /**
   * Reads a head assembled as HTTP/1.1 lines in the first {@code n} bytes of {@code src} (an HTTP/2
   * response's HEADERS, by {@link H2Heads}), as {@link #read} reads one from an HTTP/1.1 upstream:
   * the head's length, or {@link #MALFORMED} ({@link #INCOMPLETE} when the empty line is missing).
   */
  int readAssembled(byte[] src, int n, boolean headRequest) {
    reset();
    if (bytes.length < n) {
      bytes = new byte[Math.max(n, bytes.length * 2)];
    }
    System.arraycopy(src, 0, bytes, 0, n);
    return parse(n, headRequest);
  }

  private int parse(int n, boolean headRequest) {
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
    fields.clear();
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
    if (index && !fields.add(h, p, colon, vs, ve)) {
      return "more than " + FieldIndex.MAX_FIELDS + " fields";
    }
    return null;
  }

  private @Nullable String framing(byte[] h, boolean headRequest) {
    boolean te = false;
    int chunkedSeen = 0;
    boolean chunkedLast = false;
    for (int i = 0; i < fields.count(); i++) {
      byte k = fields.kind(i);
      int vs = fields.valueStart(i);
      int ve = fields.valueEnd(i);
      if (k == FieldIndex.CONTENT_LENGTH) {
        long v = FieldBytes.contentLength(h, vs, ve, elements, minor == 1);
        if (v < 0 || (contentLength >= 0 && v != contentLength)) {
          return "Content-Length";
        }
        contentLength = v;
      } else if (k == FieldIndex.TRANSFER_ENCODING) {
        te = true;
        // the codings of every Transfer-Encoding line make one list (RFC 9110 §5.3)
        int chunkedAt = chunkedCodings(h, vs, ve);
        chunkedSeen += chunkedAt >> 2; // times chunked is listed on this line
        chunkedLast = (chunkedAt & 3) == CHUNKED_LAST;
      } else if (k == FieldIndex.CONNECTION) {
        connectionTokens(h, vs, ve);
      }
    }
    if (te && contentLength >= 0) {
      return "both Transfer-Encoding and Content-Length"; // RFC 9112 §6.3: ought to be handled as an error
    }
    if (te && minor == 0) {
      return "Transfer-Encoding in an HTTP/1.0 response"; // RFC 9112 §6.1: faulty framing
    }
    if (chunkedSeen > 1) {
      return "chunked applied more than once"; // RFC 9112 §6.1: a sender MUST NOT
    }
    if (chunkedSeen == 1 && !chunkedLast) {
      // RFC 9112 §6.3 would read such a body to the close; parsers that take "contains chunked"
      // would not: refused, so that no two parsers can frame it differently
      return "chunked not the final transfer coding";
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

  private static final int NOT_CHUNKED = 0;
  private static final int CHUNKED_LAST = 1;
  private static final int CHUNKED_NOT_LAST = 2;

  /**
   * Whether chunked is among the codings of one Transfer-Encoding line and whether it is the last
   * one ({@link #NOT_CHUNKED}, {@link #CHUNKED_LAST}, {@link #CHUNKED_NOT_LAST} in the low two
   * bits), and how often it is listed (the bits above).
   */
  private int chunkedCodings(byte[] h, int from, int to) {
    int result = NOT_CHUNKED;
    int times = 0;
    FieldBytes.Elements e = elements.of(h, from, to);
    while (e.next()) {
      if (e.length() == 7 && FieldBytes.is(h, e.start, "chunked")) {
        result = CHUNKED_LAST;
        times++;
      } else if (e.length() > 0 && result != NOT_CHUNKED) {
        result = CHUNKED_NOT_LAST;
      }
    }
    return times << 2 | result;
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
    int len = fields.nameEnd(field) - fields.nameStart(field);
    for (int i = 0; i < fields.count(); i++) {
      if (fields.kind(i) == FieldIndex.CONNECTION) {
        FieldBytes.Elements e = elements.of(bytes, fields.valueStart(i), fields.valueEnd(i));
        while (e.next()) {
          if (e.length() == len && FieldBytes.equalsIgnoreCase(bytes, e.start, fields.nameStart(field), len)) {
            return true;
          }
        }
      }
    }
    return false;
  }
}
