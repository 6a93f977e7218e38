package dev.keel.proxy.support;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersEncoder;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The client end of HTTP/2 as bytes, for tests: any frame, well formed or not (upper-case names, CR
 * LF in values, oversized or flooding frames), encoded; the server's frames parsed from whatever
 * bytes arrive (HEADERS decoded with HPACK, in order). No I/O: {@link H2Wire} puts it on a socket,
 * {@code Http2Harness} on an embedded channel. Not thread-safe.
 */
public final class H2Codec implements AutoCloseable {
  public static final int DATA = 0;
  public static final int HEADERS = 1;
  public static final int PRIORITY = 2;
  public static final int RST_STREAM = 3;
  public static final int SETTINGS = 4;
  public static final int PING = 6;
  public static final int GOAWAY = 7;
  public static final int WINDOW_UPDATE = 8;
  public static final int CONTINUATION = 9;
  public static final int END_STREAM = 0x1;
  public static final int ACK = 0x1;
  public static final int END_HEADERS = 0x4;

  public static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  /** A frame as read. {@code headers} is set for HEADERS (decoded), {@code payload} always. */
  public record Frame(int type, int flags, int streamId, byte[] payload, Http2Headers headers) {
    public boolean has(int flag) {
      return (flags & flag) != 0;
    }

    /** The error code of a RST_STREAM or GOAWAY. */
    public long errorCode() {
      int at = type == GOAWAY ? 4 : 0;
      return ((payload[at] & 0xffL) << 24) | ((payload[at + 1] & 0xffL) << 16) | ((payload[at + 2] & 0xffL) << 8)
          | (payload[at + 3] & 0xffL);
    }

    /** The last stream id of a GOAWAY. */
    public int lastStreamId() {
      return ((payload[0] & 0x7f) << 24) | ((payload[1] & 0xff) << 16) | ((payload[2] & 0xff) << 8) | (payload[3] & 0xff);
    }

    /** The opaque data of a PING. */
    public long pingData() {
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = v << 8 | (payload[i] & 0xff);
      }
      return v;
    }

    @Override
    public String toString() {
      return "frame type " + type + " flags " + flags + " stream " + streamId + " (" + payload.length + " bytes)"
          + (headers.isEmpty() ? "" : " " + headers);
    }
  }

  private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.NEVER_SENSITIVE, true);
  private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false, 1L << 20);
  private final ByteArrayOutputStream partial = new ByteArrayOutputStream();

  /** Request headers {@code :method :scheme :path :authority}, then {@code extra} name/value pairs as given (any case). */
  public static Http2Headers request(String method, String path, String... extra) {
    Http2Headers h = new DefaultHttp2Headers(false);
    h.method(method).scheme("http").path(path).authority("test.local");
    for (int i = 0; i < extra.length; i += 2) {
      h.add(extra[i], extra[i + 1]);
    }
    return h;
  }

  /** The connection preface and an empty SETTINGS frame. */
  public byte[] start() {
    return concat(PREFACE, settings());
  }

  /** A header block, HPACK-encoded (in the encoder's order: pseudo-header fields first). */
  public byte[] block(Http2Headers h) {
    ByteBuf b = Unpooled.buffer();
    try {
      encoder.encodeHeaders(3, h, b);
    } catch (Http2Exception e) {
      throw new IllegalArgumentException(e);
    }
    byte[] bytes = new byte[b.readableBytes()];
    b.readBytes(bytes);
    b.release();
    return bytes;
  }

  /**
   * A header block of literal fields in exactly the given order ({@code name, value, ...}; HPACK
   * "literal without indexing", no Huffman): what an encoder of {@link Http2Headers} would reorder.
   */
  public static byte[] literalBlock(String... nameValues) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int i = 0; i < nameValues.length; i += 2) {
      b.write(0x00);
      literal(b, nameValues[i]);
      literal(b, nameValues[i + 1]);
    }
    return b.toByteArray();
  }

  private static void literal(ByteArrayOutputStream b, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
    int n = bytes.length;
    if (n < 127) {
      b.write(n);
    } else {
      b.write(127);
      n -= 127;
      while (n >= 128) {
        b.write((n & 0x7f) | 0x80);
        n >>>= 7;
      }
      b.write(n);
    }
    b.write(bytes, 0, bytes.length);
  }

  public byte[] headers(int streamId, Http2Headers h, boolean endStream) {
    return frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), streamId, block(h));
  }

  public static byte[] data(int streamId, byte[] bytes, boolean endStream) {
    return frame(DATA, endStream ? END_STREAM : 0, streamId, bytes);
  }

  public static byte[] rst(int streamId, long code) {
    return frame(RST_STREAM, 0, streamId, int32((int) code));
  }

  public static byte[] ping(long data, boolean ack) {
    byte[] p = new byte[8];
    for (int i = 0; i < 8; i++) {
      p[i] = (byte) (data >>> (56 - 8 * i));
    }
    return frame(PING, ack ? ACK : 0, 0, p);
  }

  /** A SETTINGS frame with {@code idValue} pairs (id, value, id, value...). */
  public static byte[] settings(long... idValue) {
    byte[] p = new byte[idValue.length / 2 * 6];
    for (int i = 0, at = 0; i < idValue.length; i += 2, at += 6) {
      p[at] = (byte) (idValue[i] >> 8);
      p[at + 1] = (byte) idValue[i];
      System.arraycopy(int32((int) idValue[i + 1]), 0, p, at + 2, 4);
    }
    return frame(SETTINGS, 0, 0, p);
  }

  public static byte[] settingsAck() {
    return frame(SETTINGS, ACK, 0, new byte[0]);
  }

  public static byte[] windowUpdate(int streamId, int increment) {
    return frame(WINDOW_UPDATE, 0, streamId, int32(increment));
  }

  public static byte[] goAway(int lastStreamId, long code) {
    return frame(GOAWAY, 0, 0, concat(int32(lastStreamId), int32((int) code)));
  }

  /** Any frame, as given. */
  public static byte[] frame(int type, int flags, int streamId, byte[] payload) {
    return concat(frameHeader(payload.length, type, flags, streamId), payload);
  }

  /** Only a frame's 9-byte header, announcing {@code length} bytes (which may never come). */
  public static byte[] frameHeader(int length, int type, int flags, int streamId) {
    byte[] f = new byte[9];
    f[0] = (byte) (length >> 16);
    f[1] = (byte) (length >> 8);
    f[2] = (byte) length;
    f[3] = (byte) type;
    f[4] = (byte) flags;
    System.arraycopy(int32(streamId), 0, f, 5, 4);
    return f;
  }

  /** The frames complete in what has arrived so far (a frame cut at the end waits for the rest). */
  public List<Frame> parse(byte[] bytes) {
    partial.write(bytes, 0, bytes.length);
    byte[] all = partial.toByteArray();
    List<Frame> frames = new ArrayList<>();
    int p = 0;
    while (all.length - p >= 9) {
      int len = (all[p] & 0xff) << 16 | (all[p + 1] & 0xff) << 8 | (all[p + 2] & 0xff);
      if (all.length - p - 9 < len) {
        break;
      }
      int type = all[p + 3] & 0xff;
      int flags = all[p + 4] & 0xff;
      int stream = ((all[p + 5] & 0x7f) << 24) | ((all[p + 6] & 0xff) << 16) | ((all[p + 7] & 0xff) << 8) | (all[p + 8] & 0xff);
      byte[] payload = new byte[len];
      System.arraycopy(all, p + 9, payload, 0, len);
      frames.add(new Frame(type, flags, stream, payload,
          type == HEADERS ? decode(stream, payload, flags) : new DefaultHttp2Headers(false)));
      p += 9 + len;
    }
    partial.reset();
    partial.write(all, p, all.length - p);
    return frames;
  }

  private Http2Headers decode(int stream, byte[] block, int flags) {
    ByteBuf b = Unpooled.wrappedBuffer(block);
    try {
      return decoder.decodeHeaders(stream, b);
    } catch (Http2Exception e) {
      throw new IllegalStateException("the server sent a header block that does not decode (flags " + flags + "): "
          + io.netty.buffer.ByteBufUtil.hexDump(block), e);
    }
  }

  static byte[] int32(int v) {
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }

  static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Override
  public void close() {
    encoder.close();
  }
}
