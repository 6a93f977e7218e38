package dev.keel.proxy.http;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;

/**
 * The request of an {@link Exchange} as it comes from the client: its checked head, what that head
 * says about it (a HEAD, a chunked body, whether it may be sent twice, whether it waits for a 100),
 * and its body on the way: counted against {@code limits.max-body}, held while no upstream is ready
 * (allocated only then), written on once one is, and flushed once per client read rather than per
 * piece; for a request that may be sent again after its body went out (an HTTP/2 stream's, see
 * {@link #keep}), the body is also kept, up to a limit, until the exchange ends. Reset as a whole
 * for each request ({@link #begin}). Confined to the exchange's event loop.
 */
final class ClientRequest {
  private static final HttpRequest NONE = new io.netty.handler.codec.http.DefaultHttpRequest(
      io.netty.handler.codec.http.HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
  private final long max;
  private HttpRequest head = NONE;
  private boolean headRequest;
  private boolean chunked;
  private boolean retryable;
  private boolean expectContinue;
  private long bytes;
  private boolean done;
  private @Nullable ArrayDeque<HttpContent> held;
  private boolean unflushed;
  // A resend's copy of the body: every piece so far while keeping (and within keepLimit).
  private boolean idempotent;
  private long keepLimit;
  private boolean keeping;
  private @Nullable ArrayDeque<HttpContent> kept;

  /** @param max the most bytes a body may have; 0: no limit */
  ClientRequest(long max) {
    this.max = max;
  }

  /**
   * A new request: every field is set here, nothing of the previous one is left.
   *
   * @param checked what the check of {@code request}'s head found (read before the head is rewritten)
   */
  void begin(HttpRequest request, RequestHead checked) {
    release();
    head = request;
    headRequest = HttpMethod.HEAD.equals(request.method());
    chunked = checked.chunked();
    retryable = checked.retryable(request.method());
    expectContinue = checked.hasBody() && checked.expect != null && request.protocolVersion().minorVersion() == 1;
    bytes = 0;
    done = false;
    unflushed = false;
    idempotent = false;
    keepLimit = 0;
    keeping = false;
  }

  /**
   * Keeps the body, up to {@code limit} bytes, so that the request can be sent again after it went
   * out: when it is {@code idempotent} (whatever its method), or when an instance did not process it.
   * Call before any piece of the body came.
   */
  void keep(boolean idempotent, long limit) {
    this.idempotent = idempotent;
    keepLimit = limit;
    keeping = limit > 0;
  }

  /** True when all of the request is here and kept: it can be sent again. */
  boolean kept() {
    return done && (keeping || (bytes == 0 && !chunked));
  }

  /** The head as checked, and once dispatched, rewritten. */
  HttpRequest head() {
    return head;
  }

  boolean headRequest() {
    return headRequest;
  }

  /** The body goes upstream chunked (its end is then a last chunk, written). */
  boolean chunked() {
    return chunked;
  }

  /** May be sent again after an instance failed with it: idempotent, without a body (or with all of it kept). */
  boolean retryable() {
    return retryable || (idempotent && kept());
  }

  /** True the first time it is asked for a request that waits for {@code 100 Continue}. */
  boolean takeExpectContinue() {
    boolean e = expectContinue;
    expectContinue = false;
    return e;
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
    if (!chunked && !c.content().isReadable()) {
      // the end of a body sent with its length (or of none: every GET) carries nothing to write
      c.release();
      return;
    }
    if (keeping) {
      keepCopy(c);
    }
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

  /**
   * Writes what was held to the upstream that is now ready; when the body is kept, all of it so far
   * (a resend after another attempt took part of it), else the pieces that came while connecting.
   */
  void sendHeld(RequestSink upstream) {
    ArrayDeque<HttpContent> q = held;
    ArrayDeque<HttpContent> k = kept;
    if (keeping && k != null) {
      for (HttpContent c : k) {
        upstream.body(c.retainedDuplicate());
      }
      drop(q); // those are among the kept pieces
      return;
    }
    if (q != null) {
      HttpContent c;
      while ((c = q.poll()) != null) {
        upstream.body(c);
      }
    }
  }

  private void keepCopy(HttpContent c) {
    if (bytes > keepLimit) {
      keeping = false; // too large to keep: it can only go once
      drop(kept);
      return;
    }
    ArrayDeque<HttpContent> k = kept;
    if (k == null) {
      k = new ArrayDeque<>(4);
      kept = k;
    }
    k.add(c.retainedDuplicate());
  }

  private static void drop(@Nullable ArrayDeque<HttpContent> q) {
    if (q != null) {
      HttpContent c;
      while ((c = q.poll()) != null) {
        c.release();
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

  /** Releases what is held or kept (the exchange ended). */
  void release() {
    drop(held);
    drop(kept);
  }
}
