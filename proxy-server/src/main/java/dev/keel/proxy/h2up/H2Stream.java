package dev.keel.proxy.h2up;

import dev.keel.balancer.FailureKind;
import dev.keel.proxy.upstream.Backend;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * One request as a stream on a multiplexed upstream connection. Opened by {@link H2Pool#open}: it
 * waits for a place on a connection to its backend, then its {@link H2StreamListener} hears {@link
 * H2StreamListener#streamReady} and the request is written ({@link #headers}, {@link #data}, {@link
 * #trailers}, {@link #flush}); the stream's send window is its {@link #writable()}.
 *
 * <p>Flow control end to end: what the instance sends is handed to the listener only while it asks
 * for more ({@link #requestMore()}, as an HTTP/1.1 upstream is read on demand); what arrives
 * meanwhile waits here, and its bytes are given back to the instance's window (WINDOW_UPDATE) only
 * once handed over. So a client that reads slowly stalls its own stream, holding at most one stream
 * window here, never the connection (whose window the proxy keeps open wide).
 *
 * <p>Confined to the connection's event loop.
 */
public final class H2Stream {
  /** The end of the response, in the queue of what came. */
  private static final Object END = new Object();

  private final Backend backend;
  private final H2StreamListener listener;
  private @Nullable H2Connection conn;
  private @Nullable Http2Stream stream;
  /** Where it is in its connection's list of streams; -1 while it has no place. */
  int index = -1;
  /** Heard nothing more: ended, failed or cancelled. */
  private boolean over;
  private boolean localEnded;
  private boolean remoteEnded;
  private boolean finalHead;
  private @Nullable Http2Headers trailers;
  private boolean reading;
  private boolean delivering;
  boolean inBatch;
  private @Nullable ArrayDeque<Object> inbound;
  /** The RST_STREAM code the instance sent, or -1. */
  long resetCode = -1;
  /** Left out by a GOAWAY: the instance never processed it. */
  boolean refusedByGoAway;

  H2Stream(Backend backend, H2StreamListener listener) {
    this.backend = backend;
    this.listener = listener;
  }

  public Backend backend() {
    return backend;
  }

  /** The stream id once its HEADERS went, else 0. */
  public int id() {
    Http2Stream s = stream;
    return s == null ? 0 : s.id();
  }

  // ---- from the connection ----

  /** It has its place on {@code c}: the request may be written. */
  void start(H2Connection c) {
    conn = c;
    listener.streamReady(this);
  }

  /** It waits on {@code c} for that connection's SETTINGS. */
  void waitOn(H2Connection c) {
    conn = c;
  }

  /**
   * A HEADERS frame from the instance. Its end of stream follows it the same way, handed over with
   * it or queued behind it: trailers that arrive while the listener does not read must not lose
   * the end that comes with them.
   */
  void arrived(Http2Headers headers, boolean endStream) {
    remoteEnded |= endStream;
    arrivedItem(headers);
    if (endStream) {
      arrivedItem(END);
    }
  }

  /**
   * A DATA frame from the instance (borrowed); returns the bytes the connection may give back to
   * the instance now: all when they were handed over at once or dropped, none when they wait here
   * (they are given back as they are handed over).
   */
  int arrived(ByteBuf data, boolean endStream) {
    remoteEnded |= endStream;
    int n = data.readableBytes();
    boolean now = true;
    if (n > 0) {
      now = arrivedItem(data.retain());
    }
    if (endStream) {
      arrivedItem(END);
    }
    return now ? n : 0;
  }

  /** Hands {@code item} over now when the listener reads and nothing waits before it; else queues it. */
  private boolean arrivedItem(Object item) {
    if (over) {
      ReferenceCountUtil.release(item);
      return true;
    }
    ArrayDeque<Object> q = inbound;
    if (reading && !delivering && (q == null || q.isEmpty())) {
      H2Connection c = conn;
      if (c != null) {
        c.table().batch(this);
      }
      deliver(item);
      return true;
    }
    if (q == null) {
      q = new ArrayDeque<>(8);
      inbound = q;
    }
    q.add(item);
    return false;
  }

  /** The end of the connection's read: the listener decides whether to read on. */
  void batchDone() {
    inBatch = false;
    if (!over) {
      reading = false;
      listener.responseReadComplete();
    }
  }

  private void deliver(Object item) {
    if (item == END) {
      over = true;
      Http2Headers t = trailers;
      trailers = null;
      listener.responseEnd(t);
    } else if (item instanceof ByteBuf b) {
      listener.responseData(b);
    } else {
      Http2Headers h = (Http2Headers) item;
      if (finalHead) {
        trailers = h; // the END after it carries them
      } else {
        finalHead = !informational(h);
        listener.responseHead(h, remoteEnded && finalHead && endQueuedNext());
      }
    }
  }

  private boolean endQueuedNext() {
    ArrayDeque<Object> q = inbound;
    return q == null || q.isEmpty() || q.peek() == END;
  }

  private static boolean informational(Http2Headers h) {
    CharSequence s = h.status();
    return s != null && s.length() == 3 && s.charAt(0) == '1';
  }

  /** The send window opened. */
  void writabilityChanged() {
    if (!over && writable()) {
      listener.streamWritable();
    }
  }

  /** Its stream closed on the connection: a failure unless the response had ended. */
  void closed(@Nullable Throwable connectionCause) {
    stream = null;
    if (over || remoteEnded) {
      return;
    }
    boolean refused = refusedByGoAway || resetCode == Http2Error.REFUSED_STREAM.code();
    Throwable cause = connectionCause != null ? connectionCause
        : new IOException(refusedByGoAway ? "stream left out by the instance's GOAWAY"
            : resetCode >= 0 ? "stream reset by the instance (" + errorName(resetCode) + ")" : "stream reset");
    fail(FailureKind.RESET, cause, refused);
  }

  /** Fails the stream (idempotent); what waited is dropped. */
  void fail(FailureKind kind, Throwable cause, boolean refused) {
    if (over) {
      return;
    }
    over = true;
    drop();
    listener.streamFailed(kind, cause, refused);
  }

  static String errorName(long code) {
    Http2Error e = Http2Error.valueOf(code);
    return e == null ? "error " + code : e.name();
  }

  // ---- from the listener ----

  /** Writes (without flushing) the request's HEADERS; {@code endStream}: no body follows. */
  public void headers(Http2Headers headers, boolean endStream) {
    H2Connection c = conn;
    if (over || c == null || stream != null) {
      return;
    }
    localEnded = endStream;
    stream = c.open(this, headers, endStream);
  }

  /** Writes (without flushing) a piece of the request body; ownership passes. */
  public void data(ByteBuf data, boolean endStream) {
    H2Connection c = conn;
    Http2Stream s = stream;
    if (!sending() || c == null || s == null) {
      data.release();
      return;
    }
    localEnded = endStream;
    c.writer().data(s, data, endStream);
  }

  /** Writes (without flushing) the request's trailers, which end it. */
  public void trailers(Http2Headers headers) {
    H2Connection c = conn;
    Http2Stream s = stream;
    if (sending() && c != null && s != null) {
      localEnded = true;
      c.writer().trailers(s, headers);
    }
  }

  private boolean sending() {
    Http2Stream s = stream;
    return !over && !localEnded && s != null
        && (s.state() == Http2Stream.State.OPEN || s.state() == Http2Stream.State.HALF_CLOSED_REMOTE);
  }

  public void flush() {
    H2Connection c = conn;
    if (c != null && c.inPipeline()) {
      c.writer().flush();
    }
  }

  /** True while the stream's send window (and the connection's socket) can take more. */
  public boolean writable() {
    H2Connection c = conn;
    Http2Stream s = stream;
    return !over && c != null && (s == null || c.writer().writable(s));
  }

  /**
   * Hands over what came and waited, then tells the listener the batch is complete; with nothing
   * waiting, the next frames are handed over as they come.
   */
  public void requestMore() {
    ArrayDeque<Object> q = inbound;
    if (over || delivering || q == null || q.isEmpty()) {
      reading = !over;
      return;
    }
    delivering = true;
    int consumed = 0;
    try {
      Object item;
      while (!over && (item = q.poll()) != null) {
        if (item instanceof ByteBuf b) {
          consumed += b.readableBytes();
        }
        deliver(item);
      }
    } finally {
      delivering = false;
    }
    H2Connection c = conn;
    Http2Stream s = stream;
    if (consumed > 0 && c != null && s != null) {
      c.writer().consume(s, consumed);
    }
    if (!over) {
      reading = false;
      listener.responseReadComplete();
    }
  }

  /**
   * The opener is done with the stream: nothing more is heard; a stream still open either way is
   * reset (RST_STREAM CANCEL: the instance stops working on it), one still waiting gives up its
   * place. Idempotent.
   */
  public void cancel() {
    over = true;
    drop();
    H2Connection c = conn;
    if (c != null) {
      c.cancel(this, stream, localEnded && remoteEnded, finalHead);
    }
  }

  private void drop() {
    ArrayDeque<Object> q = inbound;
    if (q != null) {
      Object item;
      while ((item = q.poll()) != null) {
        ReferenceCountUtil.release(item);
      }
    }
  }

  @Override
  public String toString() {
    return "stream " + id() + " to " + backend;
  }
}
