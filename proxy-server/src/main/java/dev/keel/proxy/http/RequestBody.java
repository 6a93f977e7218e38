package dev.keel.proxy.http;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * The request body on its way through an {@link Exchange}: counted against {@code limits.max-body},
 * held while no upstream is ready (allocated only then), written on once one is, and flushed once
 * per client read rather than per piece. Confined to the exchange's event loop.
 */
final class RequestBody {
  private final long max;
  private long bytes;
  private boolean done;
  private @Nullable ArrayDeque<HttpContent> held;
  private boolean unflushed;

  /** @param max the most bytes a body may have; 0: no limit */
  RequestBody(long max) {
    this.max = max;
  }

  /** True once the last piece came from the client. */
  boolean done() {
    return done;
  }

  /** Counts {@code c}; false (and {@code c} released) when the body goes over the limit. */
  boolean admit(HttpContent c) {
    bytes += c.content().readableBytes();
    if (max > 0 && bytes > max) {
      c.release();
      return false;
    }
    done |= c instanceof LastHttpContent;
    return true;
  }

  /** Writes {@code c} to {@code upstream}, or holds it while there is none yet. */
  void forward(HttpContent c, @Nullable RequestSink upstream) {
    if (upstream != null) {
      upstream.body(c);
      unflushed = true;
      return;
    }
    ArrayDeque<HttpContent> q = held;
    if (q == null) {
      q = new ArrayDeque<>(4);
      held = q;
    }
    q.add(c);
  }

  /** Writes what was held to the upstream that is now ready. */
  void sendHeld(RequestSink upstream) {
    ArrayDeque<HttpContent> q = held;
    if (q != null) {
      HttpContent c;
      while ((c = q.poll()) != null) {
        upstream.body(c);
      }
    }
  }

  /** Flushes what {@link #forward} wrote since the last flush. */
  void flush(@Nullable RequestSink upstream) {
    if (unflushed && upstream != null) {
      unflushed = false;
      upstream.flush();
    }
  }

  /** Releases what is held (the exchange ended). */
  void release() {
    ArrayDeque<HttpContent> q = held;
    if (q != null) {
      HttpContent c;
      while ((c = q.poll()) != null) {
        c.release();
      }
    }
  }
}
