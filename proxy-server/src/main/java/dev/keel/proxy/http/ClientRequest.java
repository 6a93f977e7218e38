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
 * piece. What went of a body is kept, up to a limit and until the response head, where the request
 * may be sent again after it went out: to an upstream that can refuse it unprocessed (HTTP/2), or
 * for an HTTP/2 client's call ({@link #keep}); {@link #rewind} queues it again for the next
 * upstream. Reset as a whole for each request ({@link #begin}). Confined to the exchange's event
 * loop.
 */
final class ClientRequest {
  private static final HttpRequest NONE = new io.netty.handler.codec.http.DefaultHttpRequest(
      io.netty.handler.codec.http.HttpVersion.HTTP_1_1, HttpMethod.GET, "/");
  private final long max;
  private final int replayLimit;
  private HttpRequest head = NONE;
  private boolean headRequest;
  private boolean chunked;
  private boolean retryable;
  private boolean expectContinue;
  private long bytes;
  private boolean done;
  private @Nullable ArrayDeque<HttpContent> held;
  private boolean unflushed;
  // copies of what went upstream, kept while the request may have to go again (see rewind)
  private @Nullable ArrayDeque<HttpContent> sent;
  private long sentBytes;
  private long limit;
  private boolean replayable;
  // the call may be sent again after its body went out (an HTTP/2 client's idempotent gRPC method)
  private boolean idempotent;

  /**
   * @param max the most bytes a body may have; 0: no limit
   * @param replayLimit the most body bytes kept to send a refused request again; 0: none kept
   */
  ClientRequest(long max, int replayLimit) {
    this.max = max;
    this.replayLimit = replayLimit;
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
    sentBytes = 0;
    limit = replayLimit;
    idempotent = false;
    replayable = limit > 0;
  }

  /**
   * Keeps up to {@code limit} bytes of the body (more than the route's own replay limit, never less),
   * so that the request can be sent again after it went out: when it is {@code idempotent} (whatever
   * its method), or when an instance refused it unprocessed. Call before any piece went upstream.
   */
  void keep(boolean idempotent, long limit) {
    this.idempotent = idempotent;
    this.limit = Math.max(this.limit, limit);
    replayable = this.limit > 0;
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

  /**
   * May be sent again after an instance failed with it (beyond a refusal, which any request may be):
   * an idempotent method without a body, or a call marked idempotent ({@link #keep}). Whether it
   * still can be is {@link #rewind}'s answer.
   */
  boolean retryable() {
    return retryable || idempotent;
  }

  /**
   * Makes the request go again after an attempt failed with it, when that is safe (it is
   * {@link #retryable}) and possible (all that went is kept: {@link #rewind}). A request an instance
   * refused unprocessed is rewound whatever its method ({@code Exchange.upstreamRefused}).
   */
  boolean resend() {
    return retryable() && rewind();
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

  /**
   * Writes {@code c} to {@code upstream}, or holds it while there is none yet. The end of a body
   * goes to the upstream even when empty: an HTTP/2 stream ends with it (an HTTP/1.1 upstream that
   * frames by length writes nothing for it).
   */
  void forward(HttpContent c, @Nullable RequestSink upstream) {
    if (!c.content().isReadable() && !(c instanceof LastHttpContent)) {
      c.release();
      return;
    }
    if (upstream != null) {
      copy(c);
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
   * Writes what was held to the upstream that is now ready: the pieces that came while connecting,
   * after what a previous attempt took when the request goes again ({@link #rewind}).
   */
  void sendHeld(RequestSink upstream) {
    ArrayDeque<HttpContent> q = held;
    if (q != null) {
      HttpContent c;
      while ((c = q.poll()) != null) {
        copy(c);
        upstream.body(c);
      }
    }
  }

  /** Keeps a copy of {@code c}, about to go upstream, while the request may have to be sent again. */
  private void copy(HttpContent c) {
    if (!replayable) {
      return;
    }
    int n = c.content().readableBytes();
    if (sentBytes + n > limit) {
      settled(); // too large to keep: it can only go once
      return;
    }
    ArrayDeque<HttpContent> q = sent;
    if (q == null) {
      q = new ArrayDeque<>(4);
      sent = q;
    }
    q.add(c.retainedDuplicate());
    sentBytes += n;
  }

  /**
   * Makes what went upstream go again, before anything held, to the next upstream: true when that is
   * possible (all of it was kept and no response head came, or the request has no body at all),
   * false otherwise.
   */
  boolean rewind() {
    if (!replayable) {
      return resendEnd();
    }
    ArrayDeque<HttpContent> copies = sent;
    if (copies != null && !copies.isEmpty()) {
      ArrayDeque<HttpContent> h = held;
      if (h != null) {
        copies.addAll(h);
        h.clear();
      }
      held = copies;
      sent = h; // the emptied queue keeps the copies from now on
    }
    sentBytes = 0;
    return true;
  }

  /**
   * A request without a body needs no copy: its end alone goes again (an HTTP/2 stream must be
   * ended by it; an HTTP/1.1 upstream that frames by length writes nothing for it).
   */
  private boolean resendEnd() {
    if (!done || bytes > 0 || chunked) {
      return false;
    }
    drop(held);
    ArrayDeque<HttpContent> q = held;
    if (q == null) {
      q = new ArrayDeque<>(1);
      held = q;
    }
    q.add(LastHttpContent.EMPTY_LAST_CONTENT);
    return true;
  }

  /** A response head came (or the body is too large to keep): nothing will be sent again; copies go. */
  void settled() {
    replayable = false;
    drop(sent);
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

  /** Releases what is held and kept (the exchange ended). */
  void release() {
    drop(held);
    drop(sent);
  }

  /**
   * The exchange is over and waits for the connection's next request: the head (its header map and
   * the bytes its values are views of) goes now, so that an idle keep-alive connection holds no
   * request of the past.
   */
  void forget() {
    release();
    head = NONE;
  }
}
