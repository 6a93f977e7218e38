package dev.keel.proxy.http;

import dev.keel.proxy.upstream.Backend;
import dev.keel.balancer.FailureKind;
import dev.keel.proxy.upstream.UpstreamConnection;
import dev.keel.proxy.upstream.UpstreamOwner;
import dev.keel.proxy.upstream.UpstreamPool;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * One attempt's upstream over a pooled HTTP/1.1 connection: writes the request as bytes ({@link
 * RequestWriter}), and turns what the connection's {@link UpstreamResponseDecoder} reads into
 * {@link UpstreamListener} calls. Leased from the pool for one attempt and given back (or closed)
 * by {@link #release}; after that it ignores the connection entirely, so a late event of an
 * abandoned attempt cannot reach a later one.
 *
 * <p>Confined to the client connection's event loop, which is also the upstream connection's.
 */
final class Http1Upstream implements RequestSink, UpstreamOwner, ChannelFutureListener {
  private final UpstreamListener listener;
  private @Nullable UpstreamConnection conn;
  private boolean ready;
  private boolean released;
  private boolean chunked;

  private Http1Upstream(UpstreamListener listener) {
    this.listener = listener;
  }

  /** The connector of one event loop's pool: an idle connection to the backend, else a new one. */
  static UpstreamConnector connector(UpstreamPool pool) {
    return (backend, listener) -> {
      Http1Upstream u = new Http1Upstream(listener);
      UpstreamConnection idle = pool.pollIdle(backend, u);
      if (idle != null) {
        u.conn = idle;
        u.ready = true;
        listener.upstreamReady(u);
        return u;
      }
      UpstreamConnection[] connecting = new UpstreamConnection[1]; // only when a connection is opened
      ChannelFuture f = pool.connect(backend, u, connecting);
      u.conn = connecting[0];
      if (f.isDone()) {
        u.operationComplete(f);
      } else {
        f.addListener(u);
      }
      return u;
    };
  }

  /** The connect finished (on this loop). */
  @Override
  public void operationComplete(ChannelFuture f) {
    if (released) {
      f.channel().close();
      return;
    }
    if (!f.isSuccess()) {
      released = true;
      conn = null;
      listener.upstreamFailed(FailureKind.CONNECT, f.cause());
      return;
    }
    SslHandler tls = f.channel().pipeline().get(SslHandler.class);
    if (tls != null) {
      // The TLS handshake is part of connecting: until it is done nothing reached the instance, so
      // a refused certificate is a connect failure (retried for any method), not a reset after
      // the request was sent. The request is written once it is done.
      Future<Channel> handshake = tls.handshakeFuture();
      if (handshake.isDone()) {
        handshaken(handshake);
      } else {
        handshake.addListener(this::handshaken);
      }
      return;
    }
    ready = true;
    listener.upstreamReady(this);
  }

  /** The upstream TLS handshake finished (on this loop). */
  private void handshaken(Future<? super Channel> handshake) {
    if (released) {
      return; // release closed the connection: it was not ready
    }
    if (!handshake.isSuccess()) {
      released = true;
      UpstreamConnection c = conn;
      conn = null;
      if (c != null) {
        c.release(false);
      }
      listener.upstreamFailed(FailureKind.CONNECT, handshake.cause());
      return;
    }
    ready = true;
    listener.upstreamReady(this);
  }

  private UpstreamConnection connection() {
    UpstreamConnection c = conn;
    if (c == null || !ready) {
      throw new IllegalStateException("upstream not ready");
    }
    return c;
  }

  @Override
  public Backend backend() {
    UpstreamConnection c = conn;
    if (c == null) {
      throw new IllegalStateException("upstream released");
    }
    return c.backend();
  }

  @Override
  public void head(HttpRequest request, boolean headRequest, boolean chunked) {
    UpstreamConnection c = connection();
    this.chunked = chunked;
    UpstreamResponseDecoder responses = c.codec(UpstreamResponseDecoder.class);
    if (responses != null) {
      responses.expectResponseTo(headRequest);
    }
    Channel ch = c.channel();
    ch.write(RequestWriter.head(ch.alloc(), request), ch.voidPromise());
  }

  @Override
  public void body(HttpContent content) {
    if (!chunked && !content.content().isReadable()) {
      content.release(); // the end of a body framed by its length (or of none) has nothing to write
      return;
    }
    RequestWriter.content(connection().channel(), content, chunked);
  }

  @Override
  public void raw(ByteBuf bytes) {
    Channel ch = connection().channel();
    ch.write(bytes, ch.voidPromise());
  }

  @Override
  public void flush() {
    UpstreamConnection c = conn;
    if (c != null && ready) {
      c.channel().flush();
    }
  }

  @Override
  public boolean writable() {
    UpstreamConnection c = conn;
    return c != null && ready && c.channel().isWritable();
  }

  @Override
  public void requestMore() {
    UpstreamConnection c = conn;
    if (c != null && ready) {
      c.channel().read();
    }
  }

  @Override
  public void tunnel() {
    Channel ch = connection().channel();
    // raw bytes from here on; what the decoder still holds comes out as a ByteBuf on removal
    ch.pipeline().remove(UpstreamResponseDecoder.class);
    ch.read();
  }

  @Override
  public Channel detach() {
    Channel ch = connection().channel();
    released = true;
    conn = null;
    return ch;
  }

  @Override
  public void release(boolean reusable) {
    if (released) {
      return;
    }
    released = true;
    UpstreamConnection c = conn;
    conn = null;
    if (c != null) {
      c.release(reusable && ready); // a connect still pending is closed: the attempt was abandoned
    }
  }

  @Override
  public void upstreamRead(UpstreamConnection c, Object msg) {
    if (released || c != conn) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (msg instanceof ByteBuf b) {
      listener.upstreamBody(b);
    } else if (msg instanceof ResponseHead h) {
      listener.upstreamHead(h);
    } else if (msg instanceof ResponseEnd e) {
      try {
        ByteBuf lines = e.trailers();
        listener.upstreamEnd(lines == null ? null : ResponseTrailers.fromLines(lines));
      } finally {
        e.release();
      }
    } else {
      ReferenceCountUtil.release(msg);
    }
  }

  @Override
  public void upstreamReadComplete(UpstreamConnection c) {
    if (!released && c == conn) {
      listener.upstreamReadComplete();
    }
  }

  @Override
  public void upstreamWritabilityChanged(UpstreamConnection c) {
    if (!released && c == conn && c.channel().isWritable()) {
      listener.upstreamWritable();
    }
  }

  @Override
  public void upstreamClosed(UpstreamConnection c, Throwable cause) {
    if (released || c != conn) {
      return;
    }
    released = true;
    conn = null;
    listener.upstreamFailed(ready ? FailureKind.RESET : FailureKind.CONNECT, cause);
  }

  @Override
  public String toString() {
    UpstreamConnection c = conn;
    return c == null ? "upstream (released)" : "upstream " + c.backend();
  }
}
