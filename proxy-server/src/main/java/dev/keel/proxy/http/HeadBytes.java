package dev.keel.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.FastThreadLocal;

/**
 * A reusable byte array a head is assembled in before it goes out as one buffer: a head
 * is a few dozen small pieces (names, values, separators), and copying each with plain array
 * copies, then the whole once, is much cheaper than a bounds- and reference-checked buffer write
 * per piece. One per event-loop thread ({@link #local()}): a head is assembled and copied out in
 * one go, so connections on a loop can share it, and an idle connection costs none.
 */
final class HeadBytes {
  static final byte[] CRLF = {'\r', '\n'};
  /** Between a field's name and its value. */
  static final byte[] COLON = {':', ' '};
  private static final FastThreadLocal<HeadBytes> LOCAL = new FastThreadLocal<>() {
    @Override
    protected HeadBytes initialValue() {
      return new HeadBytes();
    }
  };

  private byte[] bytes = new byte[1024];
  private int length;

  /** This thread's instance, emptied. */
  static HeadBytes local() {
    return LOCAL.get().reset();
  }

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

  /** A header name or value: an {@code AsciiString} copied whole, other text char by char. */
  HeadBytes text(CharSequence s) {
    if (s instanceof AsciiString a) {
      return put(a.array(), a.arrayOffset(), a.length());
    }
    return ascii(s);
  }

  /** A non-negative decimal number, digit by digit (no String on the way). */
  HeadBytes decimal(long v) {
    if (v < 0) {
      return ascii(Long.toString(v));
    }
    int digits = 1;
    for (long t = v; t >= 10; t /= 10) {
      digits++;
    }
    ensure(digits);
    for (int i = length + digits - 1; i >= length; i--) {
      bytes[i] = (byte) ('0' + v % 10);
      v /= 10;
    }
    length += digits;
    return this;
  }

  /** What was assembled, in a new buffer of {@code extra} more bytes of room (e.g. for a small body). */
  ByteBuf toBuffer(ByteBufAllocator alloc, int extra) {
    return alloc.buffer(length + extra).writeBytes(bytes, 0, length);
  }

  int length() {
    return length;
  }

  /** The array assembled in; valid up to {@link #length()}, until the next use of this instance. */
  byte[] array() {
    return bytes;
  }

  private void ensure(int n) {
    if (length + n > bytes.length) {
      byte[] grown = new byte[Math.max(bytes.length * 2, length + n)];
      System.arraycopy(bytes, 0, grown, 0, length);
      bytes = grown;
    }
  }
}
