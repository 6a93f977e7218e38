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
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * An HTTP/2 client at the frame level, for conformance tests (h2spec style): it writes any frame,
 * well formed or not (upper-case names, CR LF in values, oversized frames, floods), and reads the
 * server's frames one by one (HEADERS decoded with HPACK in order; the server's SETTINGS
 * acknowledged). Blocking, one per test; every read has a timeout. Not thread-safe.
 */
public final class H2Wire implements AutoCloseable {
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

  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  /** A frame as read. {@code headers} is set for HEADERS (decoded), {@code payload} always. */
  public record Frame(int type, int flags, int streamId, byte[] payload, Http2Headers headers) {
    public boolean has(int flag) {
      return (flags & flag) != 0;
    }

    /** The error code of a RST_STREAM or GOAWAY. */
    public long errorCode() {
      int at = type == GOAWAY ? 4 : 0;
      return ((payload[at] & 0xffL) << 24) | ((payload[at + 1] & 0xffL) << 16) | ((payload[at + 2] & 0xffL) << 8) | (payload[at + 3] & 0xffL);
    }

    /** The last stream id of a GOAWAY. */
    public int lastStreamId() {
      return ((payload[0] & 0x7f) << 24) | ((payload[1] & 0xff) << 16) | ((payload[2] & 0xff) << 8) | (payload[3] & 0xff);
    }

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

  private final Socket socket;
  private final OutputStream out;
  private final DataInputStream in;
  private final DefaultHttp2HeadersEncoder encoder = new DefaultHttp2HeadersEncoder(Http2HeadersEncoder.NEVER_SENSITIVE, true);
  private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false, 1L << 20);
  private boolean ackSettings = true;

  private H2Wire(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.in = new DataInputStream(socket.getInputStream());
  }

  /** Connects, sends the preface and an empty SETTINGS frame. */
  public static H2Wire connect(InetSocketAddress address) throws IOException {
    H2Wire w = raw(address);
    w.out.write(PREFACE);
    w.settings();
    return w;
  }

  /** Connects and sends nothing. */
  public static H2Wire raw(InetSocketAddress address) throws IOException {
    Socket s = new Socket();
    s.connect(address, 5000);
    s.setSoTimeout(10_000);
    s.setTcpNoDelay(true);
    return new H2Wire(s);
  }

  /** Whether the server's SETTINGS are acknowledged as they come (true by default). */
  public H2Wire ackSettings(boolean ack) {
    ackSettings = ack;
    return this;
  }

  /** Request headers {@code :method :scheme :path :authority}, then {@code extra} name/value pairs as given (any case). */
  public static Http2Headers request(String method, String path, String... extra) {
    Http2Headers h = new DefaultHttp2Headers(false);
    h.method(method).scheme("http").path(path).authority("test.local");
    for (int i = 0; i < extra.length; i += 2) {
      h.add(extra[i], extra[i + 1]);
    }
    return h;
  }

  /** A header block, HPACK-encoded. */
  public byte[] block(Http2Headers h) throws Http2Exception {
    ByteBuf b = Unpooled.buffer();
    encoder.encodeHeaders(3, h, b);
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

  /** Only a frame's 9-byte header, announcing {@code length} bytes that are not sent. */
  public void frameHeader(int length, int type, int flags, int streamId) throws IOException {
    byte[] f = new byte[9];
    f[0] = (byte) (length >> 16);
    f[1] = (byte) (length >> 8);
    f[2] = (byte) length;
    f[3] = (byte) type;
    f[4] = (byte) flags;
    System.arraycopy(int32(streamId), 0, f, 5, 4);
    out.write(f);
  }

  public void headers(int streamId, Http2Headers h, boolean endStream) throws IOException, Http2Exception {
    frame(HEADERS, END_HEADERS | (endStream ? END_STREAM : 0), streamId, block(h));
  }

  public void data(int streamId, byte[] bytes, boolean endStream) throws IOException {
    frame(DATA, endStream ? END_STREAM : 0, streamId, bytes);
  }

  public void rst(int streamId, long code) throws IOException {
    frame(RST_STREAM, 0, streamId, int32((int) code));
  }

  public void ping(long data) throws IOException {
    byte[] p = new byte[8];
    for (int i = 0; i < 8; i++) {
      p[i] = (byte) (data >>> (56 - 8 * i));
    }
    frame(PING, 0, 0, p);
  }

  /** A SETTINGS frame with {@code idValue} pairs (id, value, id, value...). */
  public void settings(long... idValue) throws IOException {
    byte[] p = new byte[idValue.length / 2 * 6];
    for (int i = 0, at = 0; i < idValue.length; i += 2, at += 6) {
      p[at] = (byte) (idValue[i] >> 8);
      p[at + 1] = (byte) idValue[i];
      System.arraycopy(int32((int) idValue[i + 1]), 0, p, at + 2, 4);
    }
    frame(SETTINGS, 0, 0, p);
  }

  public void windowUpdate(int streamId, int increment) throws IOException {
    frame(WINDOW_UPDATE, 0, streamId, int32(increment));
  }

  public void goAway(int lastStreamId, long code) throws IOException {
    byte[] p = new byte[8];
    System.arraycopy(int32(lastStreamId), 0, p, 0, 4);
    System.arraycopy(int32((int) code), 0, p, 4, 4);
    frame(GOAWAY, 0, 0, p);
  }

  /** Any frame, as given. */
  public void frame(int type, int flags, int streamId, byte[] payload) throws IOException {
    byte[] f = new byte[9 + payload.length];
    f[0] = (byte) (payload.length >> 16);
    f[1] = (byte) (payload.length >> 8);
    f[2] = (byte) payload.length;
    f[3] = (byte) type;
    f[4] = (byte) flags;
    System.arraycopy(int32(streamId), 0, f, 5, 4);
    System.arraycopy(payload, 0, f, 9, payload.length);
    out.write(f);
  }

  public void flush() throws IOException {
    out.flush();
  }

  /** The next frame; SETTINGS from the server are acknowledged (when so set) and returned too. */
  public Frame read() throws IOException {
    int len;
    try {
      len = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
    } catch (EOFException e) {
      throw new EOFException("connection closed by the server");
    }
    int type = in.readUnsignedByte();
    int flags = in.readUnsignedByte();
    int stream = in.readInt() & 0x7fffffff;
    byte[] payload = new byte[len];
    in.readFully(payload);
    Http2Headers h = new DefaultHttp2Headers(false);
    if (type == HEADERS) {
      ByteBuf b = Unpooled.wrappedBuffer(payload);
      try {
        h = decoder.decodeHeaders(stream, b);
      } catch (Http2Exception e) {
        throw new IOException(e);
      }
    }
    if (type == SETTINGS && (flags & ACK) == 0 && ackSettings) {
      frame(SETTINGS, ACK, 0, new byte[0]);
    }
    return new Frame(type, flags, stream, payload, h);
  }

  /** Reads until a frame matches (at most {@code limit} frames); the frames before it are dropped. */
  public Frame await(Predicate<Frame> match, int limit) throws IOException {
    for (int i = 0; i < limit; i++) {
      Frame f = read();
      if (match.test(f)) {
        return f;
      }
    }
    throw new AssertionError("no matching frame within " + limit + " frames");
  }

  public Frame await(Predicate<Frame> match) throws IOException {
    return await(match, 10_000);
  }

  /** The stream's RST_STREAM, or the connection's GOAWAY, whichever comes first. */
  public Frame awaitResetOrGoAway(int streamId) throws IOException {
    return await(f -> (f.type == RST_STREAM && f.streamId == streamId) || f.type == GOAWAY);
  }

  /** A response: its HEADERS (the final one, after any 1xx), DATA and trailers, read until END_STREAM or a reset. */
  public Response response(int streamId) throws IOException {
    Response r = new Response();
    while (true) {
      Frame f = read();
      if (f.streamId != streamId && f.type != GOAWAY) {
        continue;
      }
      switch (f.type) {
        case HEADERS -> {
          if (r.headers == null && !f.headers.status().toString().startsWith("1")) {
            r.headers = f.headers;
          } else if (r.headers != null) {
            r.trailers = f.headers;
          }
        }
        case DATA -> {
          r.body.write(f.payload, 0, f.payload.length);
          if (f.payload.length > 0) { // what was read may come again: the window goes back
            windowUpdate(0, f.payload.length);
            windowUpdate(streamId, f.payload.length);
            flush();
          }
        }
        case RST_STREAM, GOAWAY -> {
          r.reset = f;
          return r;
        }
        default -> { }
      }
      if (f.has(END_STREAM) && (f.type == HEADERS || f.type == DATA) && r.headers != null) {
        return r;
      }
    }
  }

  /** A response as {@link #response} read it. */
  public static final class Response {
    public Http2Headers headers;
    public Http2Headers trailers;
    public final ByteArrayOutputStream body = new ByteArrayOutputStream();
    /** The RST_STREAM or GOAWAY that ended it instead of END_STREAM, or null. */
    public Frame reset;

    public String status() {
      return headers == null ? null : headers.status().toString();
    }

    public String text() {
      return body.toString(StandardCharsets.UTF_8);
    }
  }

  /** True when the server closed the connection (EOF within the timeout). */
  public boolean closedByServer() throws IOException {
    try {
      while (true) {
        read();
      }
    } catch (EOFException | java.net.SocketException e) {
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  public List<Frame> drain(int max) throws IOException {
    List<Frame> frames = new ArrayList<>();
    try {
      for (int i = 0; i < max; i++) {
        frames.add(read());
      }
    } catch (EOFException | SocketTimeoutException | java.net.SocketException e) {
      // what there was
    }
    return frames;
  }

  public void soTimeout(int millis) throws IOException {
    socket.setSoTimeout(millis);
  }

  private static byte[] int32(int v) {
    return new byte[] {(byte) (v >>> 24), (byte) (v >>> 16), (byte) (v >>> 8), (byte) v};
  }

  @Override
  public void close() throws IOException {
    encoder.close();
    socket.close();
  }
}
