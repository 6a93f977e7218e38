package dev.keel.proxy.support;

import dev.keel.proxy.support.H2Codec.Frame;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Predicate;

/**
 * An HTTP/2 client at the frame level over a socket, for conformance tests (h2spec style): it
 * writes any frame ({@link H2Codec}) and reads the server's frames one by one, acknowledging the
 * server's SETTINGS. Blocking, one per test; every read has a timeout. Not thread-safe.
 */
public final class H2Wire implements AutoCloseable {
  public static final int DATA = H2Codec.DATA;
  public static final int HEADERS = H2Codec.HEADERS;
  public static final int RST_STREAM = H2Codec.RST_STREAM;
  public static final int SETTINGS = H2Codec.SETTINGS;
  public static final int PING = H2Codec.PING;
  public static final int GOAWAY = H2Codec.GOAWAY;
  public static final int WINDOW_UPDATE = H2Codec.WINDOW_UPDATE;
  public static final int CONTINUATION = H2Codec.CONTINUATION;
  public static final int END_STREAM = H2Codec.END_STREAM;
  public static final int ACK = H2Codec.ACK;
  public static final int END_HEADERS = H2Codec.END_HEADERS;

  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;
  private final H2Codec codec = new H2Codec();
  private final ArrayDeque<Frame> ready = new ArrayDeque<>();
  private final byte[] buf = new byte[16 * 1024];

  private H2Wire(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.in = socket.getInputStream();
  }

  /** Connects, sends the preface and an empty SETTINGS frame. */
  public static H2Wire connect(InetSocketAddress address) throws IOException {
    H2Wire w = raw(address);
    w.out.write(w.codec.start());
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

  public static Http2Headers request(String method, String path, String... extra) {
    return H2Codec.request(method, path, extra);
  }

  public void headers(int streamId, Http2Headers h, boolean endStream) throws IOException {
    out.write(codec.headers(streamId, h, endStream));
  }

  public void data(int streamId, byte[] bytes, boolean endStream) throws IOException {
    out.write(H2Codec.data(streamId, bytes, endStream));
  }

  public void rst(int streamId, long code) throws IOException {
    out.write(H2Codec.rst(streamId, code));
  }

  public void ping(long data) throws IOException {
    out.write(H2Codec.ping(data, false));
  }

  /** A SETTINGS frame with {@code idValue} pairs (id, value, id, value...). */
  public void settings(long... idValue) throws IOException {
    out.write(H2Codec.settings(idValue));
  }

  public void windowUpdate(int streamId, int increment) throws IOException {
    out.write(H2Codec.windowUpdate(streamId, increment));
  }

  public void goAway(int lastStreamId, long code) throws IOException {
    out.write(H2Codec.goAway(lastStreamId, code));
  }

  /** Any frame, as given. */
  public void frame(int type, int flags, int streamId, byte[] payload) throws IOException {
    out.write(H2Codec.frame(type, flags, streamId, payload));
  }

  /** Only a frame's 9-byte header, announcing {@code length} bytes that are not sent. */
  public void frameHeader(int length, int type, int flags, int streamId) throws IOException {
    out.write(H2Codec.frameHeader(length, type, flags, streamId));
  }

  public void flush() throws IOException {
    out.flush();
  }

  /** The next frame; SETTINGS from the server are acknowledged, and returned too. */
  public Frame read() throws IOException {
    while (ready.isEmpty()) {
      int n = in.read(buf);
      if (n < 0) {
        throw new EOFException("connection closed by the server");
      }
      ready.addAll(codec.parse(Arrays.copyOf(buf, n)));
    }
    Frame f = ready.poll();
    if (f.type() == SETTINGS && !f.has(ACK)) {
      out.write(H2Codec.settingsAck());
      out.flush();
    }
    return f;
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
    return await(match, 100_000);
  }

  /** The stream's RST_STREAM, or the connection's GOAWAY, whichever comes first. */
  public Frame awaitResetOrGoAway(int streamId) throws IOException {
    return await(f -> (f.type() == RST_STREAM && f.streamId() == streamId) || f.type() == GOAWAY);
  }

  /** A response: its final HEADERS (after any 1xx), DATA and trailers, read until END_STREAM or a reset. */
  public Response response(int streamId) throws IOException {
    Response r = new Response();
    while (true) {
      Frame f = read();
      if (f.streamId() != streamId && f.type() != GOAWAY) {
        continue;
      }
      switch (f.type()) {
        case HEADERS -> {
          if (r.headers == null && !f.headers().status().toString().startsWith("1")) {
            r.headers = f.headers();
          } else if (r.headers != null) {
            r.trailers = f.headers();
          }
        }
        case DATA -> {
          r.body.write(f.payload(), 0, f.payload().length);
          giveBack(streamId, f.payload().length, f.has(END_STREAM));
        }
        case RST_STREAM, GOAWAY -> {
          r.reset = f;
          return r;
        }
        default -> { }
      }
      if (f.has(END_STREAM) && (f.type() == HEADERS || f.type() == DATA) && r.headers != null) {
        return r;
      }
    }
  }

  /** The rest of a stream's body (its head already read): DATA until END_STREAM, windows given back. */
  public byte[] restOfBody(int streamId) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      Frame f = read();
      if (f.streamId() == streamId && f.type() == DATA) {
        body.write(f.payload(), 0, f.payload().length);
        giveBack(streamId, f.payload().length, f.has(END_STREAM));
      }
      if ((f.streamId() == streamId && (f.has(END_STREAM) || f.type() == RST_STREAM)) || f.type() == GOAWAY) {
        return body.toByteArray();
      }
    }
  }

  private void giveBack(int streamId, int n, boolean last) throws IOException {
    if (n > 0) { // what was read may come again: the window goes back
      try {
        windowUpdate(0, n);
        if (!last) {
          windowUpdate(streamId, n);
        }
        flush();
      } catch (java.net.SocketException e) {
        if (!last) {
          throw e;
        }
        // a draining server closes right after the last stream's last frame: nothing to give back to
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

  /** True when the server closed the connection (EOF or reset within the read timeout). */
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

  /** What the server sends until it closes or {@code max} frames came. */
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

  @Override
  public void close() throws IOException {
    codec.close();
    socket.close();
  }
}
