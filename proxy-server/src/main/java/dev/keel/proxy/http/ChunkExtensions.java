package dev.keel.proxy.http;

import io.netty.buffer.ByteBuf;

/**
 * The grammar of what may follow a chunk size on its line (RFC 9112 §7.1.1): {@code *( BWS ";" BWS
 * chunk-ext-name [ BWS "=" BWS chunk-ext-val ] )}, a name a token, a value a token or a
 * quoted-string (RFC 9110 §5.6.4). The proxy ignores extensions, but checks them: a line that one
 * parser reads as an extension and another as the end of the chunk line is how chunked bodies get
 * smuggled (a bare CR or LF in a value, an unclosed quote). Nothing but extensions may follow the
 * size. Static, allocation-free.
 */
final class ChunkExtensions {
  /** {@link #size}: no hex digit first. */
  static final long BAD_SIZE = -1;
  /** {@link #size}: more than 2 GiB - 1. */
  static final long TOO_LARGE = -2;
  /** {@link #size}: the line does not end with CRLF. */
  static final long NOT_CRLF = -3;
  /** {@link #size}: what follows the digits is not a list of extensions. */
  static final long BAD_EXTENSION = -4;

  private ChunkExtensions() {}

  /**
   * The size on the chunk size line in[r, lf] ({@code lf} the index of its LF), or one of the
   * negative codes above. At most 2 GiB - 1 a chunk, as Netty's request decoder allows: both sides
   * of the proxy (requests and responses) then agree on what a size line means. The line ends
   * with CRLF, and extensions, ignored, must follow their grammar: a parser that reads an odd line
   * differently (a bare LF, a CR or a quote inside) ends the chunk elsewhere.
   */
  static long size(ByteBuf in, int r, int lf) {
    long size = 0;
    int i = r;
    for (; i < lf; i++) {
      int d = Character.digit((char) in.getByte(i), 16);
      if (d < 0) {
        break;
      }
      size = size << 4 | d;
      if (size > Integer.MAX_VALUE) {
        return TOO_LARGE;
      }
    }
    if (i == r) {
      return BAD_SIZE;
    }
    if (lf == i || in.getByte(lf - 1) != '\r') {
      return NOT_CRLF;
    }
    return valid(in, i, lf - 1) ? size : BAD_EXTENSION;
  }

  /** What a negative {@link #size} means, for an error message. */
  static String problem(long code) {
    return code == TOO_LARGE ? "chunk size too large" : code == NOT_CRLF ? "chunk size line not ended by CRLF"
        : code == BAD_EXTENSION ? "bad chunk extension" : "bad chunk size";
  }

  /**
   * True when bytes [from, to) of {@code in} (after the size digits, before the line's CRLF) are
   * valid. The grammar has no whitespace at the end of the line, and a quoted value is ASCII:
   * both as strict as Netty's request decoder (issue 16's differential fuzzing found where it was not).
   */
  static boolean valid(ByteBuf in, int from, int to) {
    int i = from;
    while (i < to) {
      i = ows(in, i, to);
      if (i >= to || in.getByte(i) != ';') {
        return false; // whitespace at the end of the line, or anything but an extension
      }
      i = ows(in, i + 1, to);
      int name = token(in, i, to);
      if (name == i) {
        return false;
      }
      i = name;
      int eq = ows(in, i, to);
      if (eq < to && in.getByte(eq) == '=') {
        int v = ows(in, eq + 1, to);
        int end = v < to && in.getByte(v) == '"' ? quoted(in, v, to) : token(in, v, to);
        if (end <= v) {
          return false;
        }
        i = end;
      }
    }
    return true;
  }

  private static int ows(ByteBuf in, int i, int to) {
    while (i < to && (in.getByte(i) == ' ' || in.getByte(i) == '\t')) {
      i++;
    }
    return i;
  }

  private static int token(ByteBuf in, int i, int to) {
    while (i < to && FieldBytes.tchar(in.getByte(i))) {
      i++;
    }
    return i;
  }

  private static boolean asciiText(byte b) {
    return b == '\t' || (b >= 0x20 && b < 0x7f);
  }

  /** The index after the quoted-string at {@code i}, or -1 when it is malformed or unclosed. */
  private static int quoted(ByteBuf in, int i, int to) {
    for (int j = i + 1; j < to; j++) {
      byte b = in.getByte(j);
      if (b == '"') {
        return j + 1;
      }
      if (b == '\\') {
        j++;
        if (j >= to || !asciiText(in.getByte(j))) {
          return -1;
        }
      } else if (!asciiText(b)) {
        return -1; // qdtext: HTAB, SP, visible characters; no controls, no DEL, no obs-text
      }
    }
    return -1;
  }
}
