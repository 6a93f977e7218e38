package dev.keel.proxy.http;

import dev.keel.balancer.FailureKind;
import dev.keel.proxy.h2up.H2Pool;
import dev.keel.proxy.h2up.H2Stream;
import dev.keel.proxy.h2up.H2StreamListener;
import dev.keel.proxy.upstream.Backend;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * One attempt's upstream as a stream on a multiplexed HTTP/2 connection ({@link H2Stream}): the
 * request's head goes as HEADERS, its body as DATA, its trailers as trailing HEADERS, translated by
 * {@link H2Heads}; the response comes back as the heads, body and trailers the exchange knows. The
 * stream's send window is this sink's writability; the response is handed over as the exchange
 * asks for it, and only then returned to the instance's window.
 *
 * <p>The request's HEADERS wait for its first body piece or the first flush, so that a request
 * without a body is one HEADERS frame with END_STREAM. Released ({@link #release}) it cancels its
 * stream (RST_STREAM when still open) and calls its listener no more.
 *
 * <p>Confined to the client connection's event loop, which is also the upstream connection's.
 */
final class Http2Upstream implements RequestSink, H2StreamListener {
  private static final AsciiString HTTP = AsciiString.cached("http");
  private static final AsciiString HTTPS = AsciiString.cached("https");
  /** The response head: consumed during the listener's call, so one per event-loop thread serves every stream. */
  private static final FastThreadLocal<H2ResponseHead> HEADS = new FastThreadLocal<>() {
    @Override
    protected H2ResponseHead initialValue() {
      return new H2ResponseHead();
    }
  };

  private final UpstreamListener listener;
  private final Backend backend;
  private final AsciiString scheme;
  private @Nullable H2Stream stream;
  private boolean released;
  private boolean headRequest;
  private @Nullable Http2Headers pending;

  private Http2Upstream(UpstreamListener listener, Backend backend, AsciiString scheme) {
    this.listener = listener;
    this.backend = backend;
    this.scheme = scheme;
  }

  /** The connector of one event loop's HTTP/2 pool; {@code tls}: the {@code :scheme} is https. */
  static UpstreamConnector connector(H2Pool pool, boolean tls) {
    AsciiString scheme = tls ? HTTPS : HTTP;
    return (backend, listener) -> {
      Http2Upstream u = new Http2Upstream(listener, backend, scheme);
      H2Stream s = pool.open(backend, u);
      if (!u.released) {
        u.stream = s; // waiting for its connection, or (set again) ready already
      }
      return u;
    };
  }

  private H2Stream stream() {
    H2Stream s = stream;
    if (s == null || released) {
      throw new IllegalStateException("upstream stream released");
    }
    return s;
  }

  @Override
  public Backend backend() {
    return backend;
  }

  @Override
  public void head(HttpRequest request, boolean headRequest, boolean chunked) {
    this.headRequest = headRequest;
    pending = H2Heads.request(request, scheme);
  }

  @Override
  public void body(HttpContent content) {
    H2Stream s = stream();
    boolean last = content instanceof LastHttpContent;
    @Nullable HttpHeaders trailers = last ? ((LastHttpContent) content).trailingHeaders() : null;
    boolean hasTrailers = trailers != null && !trailers.isEmpty();
    ByteBuf data = content.content();
    Http2Headers h = pending;
    if (h != null) {
      pending = null;
      if (last && !data.isReadable() && !hasTrailers) {
        data.release();
        s.headers(h, true); // no body at all: one HEADERS frame ends the stream
        return;
      }
      s.headers(h, false);
    }
    if (data.isReadable() || (last && !hasTrailers)) {
      s.data(data, last && !hasTrailers);
    } else {
      data.release();
    }
    if (hasTrailers && trailers != null) {
      s.trailers(H2Heads.trailers(trailers));
    }
  }

  @Override
  public void raw(ByteBuf bytes) {
    bytes.release();
    throw new IllegalStateException("no tunnel runs over an HTTP/2 upstream");
  }

  @Override
  public void flush() {
    H2Stream s = stream;
    if (s == null || released) {
      return;
    }
    Http2Headers h = pending;
    if (h != null) {
      pending = null;
      s.headers(h, false); // the body is still to come
    }
    s.flush();
  }

  @Override
  public boolean writable() {
    H2Stream s = stream;
    return s != null && !released && s.writable();
  }

  @Override
  public void requestMore() {
    H2Stream s = stream;
    if (s != null && !released) {
      s.requestMore();
    }
  }

  @Override
  public void tunnel() {
    throw new IllegalStateException("no tunnel runs over an HTTP/2 upstream");
  }

  @Override
  public Channel detach() {
    throw new IllegalStateException("no tunnel runs over an HTTP/2 upstream");
  }

  /** Ends the attempt: a stream still open either way is reset; one still waiting gives up its place. */
  @Override
  public void release(boolean reusable) {
    if (released) {
      return;
    }
    released = true;
    pending = null;
    H2Stream s = stream;
    stream = null;
    if (s != null) {
      s.cancel();
    }
  }

  // ---- the stream ----

  @Override
  public void streamReady(H2Stream s) {
    stream = s;
    listener.upstreamReady(this);
  }

  @Override
  public void responseHead(Http2Headers headers, boolean endStream) {
    H2ResponseHead head = HEADS.get();
    if (H2Heads.response(headers, head, headRequest, endStream) < 0) {
      String problem = head.problem();
      release(false);
      listener.upstreamFailed(FailureKind.RESET, new IOException("response HEADERS from " + backend
          + " cannot be relayed: " + (problem == null ? "malformed" : problem)));
      return;
    }
    head.received(headers); // for an HTTP/2 client's sink: the fields as received, not copied back out
    try {
      listener.upstreamHead(head);
    } finally {
      head.received(null);
    }
  }

  @Override
  public void responseData(ByteBuf data) {
    listener.upstreamBody(data);
  }

  @Override
  public void responseEnd(@Nullable Http2Headers trailers) {
    listener.upstreamEnd(trailers == null ? null : ResponseTrailers.fromHttp2(trailers));
  }

  @Override
  public void responseReadComplete() {
    listener.upstreamReadComplete();
  }

  @Override
  public void streamWritable() {
    listener.upstreamWritable();
  }

  @Override
  public void streamFailed(FailureKind kind, Throwable cause, boolean refused) {
    released = true;
    stream = null;
    pending = null;
    if (refused) {
      listener.upstreamRefused(cause);
    } else {
      listener.upstreamFailed(kind, cause);
    }
  }

  @Override
  public String toString() {
    return released ? "h2 upstream (released)" : "h2 upstream " + backend;
  }
}
