package dev.keel.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.jspecify.annotations.Nullable;

/**
 * The {@link ResponseSink} of an HTTP/1.1 client connection: frames the response of the exchange in
 * progress for the client (length as received, chunked, or delimited by the close for HTTP/1.0
 * clients; {@code Connection: close} when the connection ends after it) and hands the connection
 * the end of each response. One per connection, {@link #begin reset as a whole} for each request.
 *
 * <p>A final head whose body is at most {@value #SMALL_BODY} bytes is held until that body is in,
 * then head and body leave as one buffer: one write, and an instance that fails mid-body is retried
 * (or answered 502/504) like one that failed before answering, since the client has seen nothing.
 *
 * <p>Confined to the connection's event loop.
 */
final class Http1Response implements ResponseSink {
  static final int SMALL_BODY = 2048;

  private final HttpProxyHandler connection;
  private final ChannelHandlerContext ctx;
  // Of the request being answered.
  private boolean http10;
  private boolean headRequest;
  private boolean keepAlive;
  private boolean upgrade;
  // Of the response in progress.
  private boolean close;
  private ResponseWriter.Framing framing = ResponseWriter.Framing.NONE;
  private @Nullable ByteBuf held;
  private boolean committed;

  Http1Response(HttpProxyHandler connection, ChannelHandlerContext ctx) {
    this.connection = connection;
    this.ctx = ctx;
  }

  /** A new request: what its response looks like depends on these. */
  void begin(boolean http10, boolean headRequest, boolean keepAlive, boolean upgrade) {
    discardHeld();
    this.http10 = http10;
    this.headRequest = headRequest;
    this.keepAlive = keepAlive;
    this.upgrade = upgrade;
    close = false;
    framing = ResponseWriter.Framing.NONE;
    committed = false;
  }

  /**
   * True when the connection may read the client's next bytes while this response is on its way,
   * its request being in: they can only be a next request, queued until this one is answered (one
   * read: nothing more is read while one is queued). Not after an upgrade request, whose next bytes
   * may be the new protocol's, nor when the connection closes after this response (nothing after it
   * is served). The read stays armed across the exchange: a keep-alive request costs no
   * {@code epoll_ctl} to stop reading the client and start again. (A client closing meanwhile is
   * noticed either way: Netty's epoll reads on EPOLLRDHUP.)
   */
  boolean readsAhead() {
    return keepAlive && !upgrade && !close && !connection.draining();
  }

  @Override
  public void interim(ResponseHead head) {
    if (!http10) {
      ctx.write(ResponseWriter.interimHead(ctx.alloc(), head), ctx.voidPromise());
    }
  }

  @Override
  public void head(ResponseHead head, ResponseWriter.@Nullable CookieEdit cookies) {
    framing = ResponseWriter.framing(head, headRequest, http10);
    // an answer before the request's last byte came ends the connection (the rest of the body would
    // be read as the next request): it says so, or a keep-alive client sends its next request on a
    // connection being closed and sees it reset
    close = !keepAlive || framing == ResponseWriter.Framing.UNTIL_CLOSE || connection.draining() || !connection.requestDone();
    if (framing == ResponseWriter.Framing.AS_IS && head.contentLength() <= SMALL_BODY) {
      held = ResponseWriter.finalHead(ctx.alloc(), head, headRequest, http10, close, cookies, (int) head.contentLength());
    } else {
      committed = true;
      ctx.write(ResponseWriter.finalHead(ctx.alloc(), head, headRequest, http10, close, cookies), ctx.voidPromise());
    }
  }

  @Override
  public void body(ByteBuf data) {
    if (!data.isReadable() || framing == ResponseWriter.Framing.NONE) {
      data.release(); // a HEAD/304/204 answer sends none
      return;
    }
    ByteBuf h = held;
    if (h != null) {
      if (data.readableBytes() <= h.writableBytes()) {
        h.writeBytes(data);
        data.release();
        return;
      }
      writeHeld();
    }
    committed = true;
    if (framing == ResponseWriter.Framing.CHUNKED) {
      ctx.write(ResponseWriter.chunkHeader(ctx.alloc(), data.readableBytes()), ctx.voidPromise());
      ctx.write(data, ctx.voidPromise());
      ctx.write(ResponseWriter.chunkEnd(), ctx.voidPromise());
    } else {
      ctx.write(data, ctx.voidPromise());
    }
  }

  @Override
  public void end(@Nullable ResponseTrailers trailers) {
    writeHeld();
    if (framing == ResponseWriter.Framing.CHUNKED) {
      ctx.write(ResponseWriter.lastChunk(ctx.alloc(), trailers == null ? null : trailers.lines()), ctx.voidPromise());
    }
    connection.responseDone(close);
  }

  @Override
  public void switching(ResponseHead head) {
    committed = true;
    framing = ResponseWriter.Framing.AS_IS; // raw bytes from here on
    ctx.write(ResponseWriter.switchingHead(ctx.alloc(), head), ctx.voidPromise());
    connection.becomeTunnel();
  }

  @Override
  public void continue100() {
    ctx.writeAndFlush(ResponseWriter.continue100(), ctx.voidPromise());
  }

  @Override
  public void fail(HttpResponseStatus status, String detail) {
    discardHeld();
    connection.failed(status, detail);
  }

  @Override
  public void reset(HttpResponseStatus why) {
    discardHeld();
    connection.abort();
  }

  @Override
  public boolean committed() {
    return committed;
  }

  @Override
  public void discardHeld() {
    ByteBuf h = held;
    if (h != null) {
      held = null;
      h.release();
    }
  }

  @Override
  public void flush() {
    ctx.flush();
  }

  @Override
  public boolean writable() {
    return ctx.channel().isWritable();
  }

  @Override
  public void requestMore() {
    connection.readIfReady();
  }

  @Override
  public void wakeAt(long deadlineNanos) {
    connection.wakeAt(deadlineNanos);
  }

  private void writeHeld() {
    ByteBuf h = held;
    if (h != null) {
      held = null;
      committed = true;
      ctx.write(h, ctx.voidPromise());
    }
  }
}
