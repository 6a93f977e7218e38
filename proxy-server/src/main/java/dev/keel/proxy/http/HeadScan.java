package dev.keel.proxy.http;

import io.netty.buffer.ByteBuf;

/**
 * Finds where a request head (or a trailer section) ends in what has arrived so far, line by line
 * and incrementally (a slow client's head is scanned once, not once per read), and enforces the
 * size limits as Netty's decoder counts them: the request line with its CR, field lines without
 * their CRLF, all of a head's field lines together. The lines are checked by {@link
 * RequestHeadReader} once the end is found. Reused per connection; confined to its event loop.
 */
final class HeadScan {
  static final int INCOMPLETE = -1;
  static final int LINE_TOO_LONG = -2;
  static final int TOO_LARGE = -3;

  /** Where the current, unterminated line starts, from the reader index. */
  private int scanned;
  private boolean lineSeen;
  private int fieldBytes;

  /**
   * The length of the head at {@code in}'s reader index, through its empty line, or {@link
   * #INCOMPLETE}, {@link #LINE_TOO_LONG} or {@link #TOO_LARGE}. Before a request line ({@code
   * requestLine}), empty lines are consumed (RFC 9112 §2.2); nothing else is.
   */
  int find(ByteBuf in, boolean requestLine, int maxLine, int maxFields) {
    int r = in.readerIndex();
    int w = in.writerIndex();
    if (!requestLine) {
      lineSeen = true; // a trailer section has field lines only
    } else if (!lineSeen && scanned == 0) {
      while (r < w && (in.getByte(r) == '\r' || in.getByte(r) == '\n')) {
        r++;
      }
      in.readerIndex(r);
    }
    int p = r + scanned;
    while (true) {
      int lf = in.indexOf(p, w, (byte) '\n');
      if (lf < 0) {
        int partial = w - p;
        if (!lineSeen ? partial > maxLine : fieldBytes + partial > maxFields) {
          return fail(!lineSeen ? LINE_TOO_LONG : TOO_LARGE);
        }
        scanned = p - r;
        return INCOMPLETE;
      }
      int line = lf - p; // with its CR, if any: counted until the LF shows, as Netty counts
      if (!lineSeen) {
        if (line > maxLine) {
          return fail(LINE_TOO_LONG);
        }
        lineSeen = true;
      } else if (line == 0 || (line == 1 && in.getByte(p) == '\r')) {
        reset();
        return lf + 1 - r;
      } else if (fieldBytes + line > maxFields) {
        return fail(TOO_LARGE);
      } else {
        fieldBytes += in.getByte(lf - 1) == '\r' ? line - 1 : line;
      }
      p = lf + 1;
    }
  }

  private int fail(int why) {
    reset();
    return why;
  }

  private void reset() {
    scanned = 0;
    lineSeen = false;
    fieldBytes = 0;
  }
}
