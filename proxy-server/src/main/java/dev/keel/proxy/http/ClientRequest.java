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
 * piece. Reset as a whole for each request ({@link #begin}). Confined to the exchange's event loop.
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

  /** May be sent again after an instance failed with it: idempotent, without a body. */
  boolean retryable() {
    return retryable;
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
