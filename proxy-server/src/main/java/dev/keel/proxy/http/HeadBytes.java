package dev.keel.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * A reusable byte array a response head is assembled in before it goes out as one buffer: a head
 * is a few dozen small pieces (names, values, separators), and copying each with plain array
 * copies, then the whole once, is much cheaper than a bounds- and reference-checked buffer write
 * per piece. One per upstream connection (held by its {@link ResponseHead}); confined to its loop.
 */
final class HeadBytes {
  private byte[] bytes = new byte[1024];
  private int length;

  HeadBytes reset() {
    length = 0;
    return this;
  }

  HeadBytes put(byte[] src) {
    return put(src, 0, src.length);
  }

  HeadBytes put(byte[] src, int from, int n) {
    ensure(n);
    System.arraycopy(src, from, bytes, length, n);
    length += n;
    return this;
  }

  HeadBytes put(char c) {
    ensure(1);
    bytes[length++] = (byte) c;
    return this;
  }

  /** Latin-1 text (header values are octets; a char above 0xFF cannot come from a parsed head). */
  HeadBytes ascii(CharSequence s) {
    int n = s.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      bytes[length++] = (byte) s.charAt(i);
    }
    return this;
  }

  HeadBytes decimal(long v) {
    if (v >= 100 && v < 1000) {
      ensure(3);
      bytes[length++] = (byte) ('0' + v / 100);
      bytes[length++] = (byte) ('0' + v / 10 % 10);
      bytes[length++] = (byte) ('0' + v % 10);
      return this;
    }
    return ascii(Long.toString(v));
  }

  /** What was assembled, in a new buffer of {@code extra} more bytes of room (e.g. for a small body). */
  ByteBuf toBuffer(ByteBufAllocator alloc, int extra) {
    return alloc.buffer(length + extra).writeBytes(bytes, 0, length);
  }

  int length() {
    return length;
  }

  private void ensure(int n) {
    if (length + n > bytes.length) {
      byte[] grown = new byte[Math.max(bytes.length * 2, length + n)];
      System.arraycopy(bytes, 0, grown, 0, length);
      bytes = grown;
    }
  }
}
