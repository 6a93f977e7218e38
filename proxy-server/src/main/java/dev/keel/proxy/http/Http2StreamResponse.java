package dev.keel.proxy.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Headers;
import org.jspecify.annotations.Nullable;

/**
 * The response side of one HTTP/2 stream ({@link Http2ClientStream}): the exchange's
 * {@link ResponseSink}, written as HEADERS, DATA, trailing HEADERS or RST_STREAM. A gRPC call's
 * failures are told as gRPC statuses (trailers), never as plain HTTP errors. As on HTTP/1.1, a head
 * whose body is small is held until that body is in: a failure before then can still be retried,
 * and a response without body leaves as one HEADERS frame.
 *
 * <p>Once the response is over while the client still sends, the request side stops
 * ({@link Http2ClientStream#stopRequest}). Reused with its stream ({@link #begin} sets every field
 * anew); confined to the connection's event loop.
 */
final class Http2StreamResponse implements ResponseSink {
  private final Http2ProxyHandler conn;
  private final Http2ClientStream request;
  // the stream's access log line, when the listener has an access log
  private final @Nullable ExchangeLog accessLog;
  private int id;
  private boolean grpc;
  private boolean headRequest;
  private @Nullable Http2Headers heldHead;
  private @Nullable ByteBuf heldBody;
  private boolean headSent;
  private boolean ended;

  Http2StreamResponse(Http2ProxyHandler conn, Http2ClientStream request, @Nullable ExchangeLog accessLog) {
    this.conn = conn;
    this.request = request;
    this.accessLog = accessLog;
  }

  /** A new stream: nothing sent. */
  void begin(int streamId, boolean grpcCall) {
    id = streamId;
    grpc = grpcCall;
    headRequest = false;
    heldHead = null;
    heldBody = null;
    headSent = false;
    ended = false;
  }

  /** The request is a HEAD: a response body is never sent. */
  void headRequest() {
    headRequest = true;
  }

  /** The stream is reset or closed: nothing more goes to the client. */
  void gone() {
    ended = true;
  }

  @Override
  public void interim(ResponseHead head) {
    if (!headSent && !ended) {
      conn.writeHeaders(id, Http2Responses.interim(head), false);
    }
  }

  @Override
  public void head(ResponseHead head, ResponseWriter.@Nullable CookieEdit cookies) {
    Http2Headers h = Http2Responses.head(head, cookies);
    int body = head.body();
    if (headRequest || body == ResponseHead.NONE || (body == ResponseHead.LENGTH && head.contentLength() <= Http1Response.SMALL_BODY)) {
      heldHead = h;
    } else {
      sendHead(h, false);
    }
  }

  private void sendHead(Http2Headers h, boolean endStream) {
    headSent = true;
    ended |= endStream;
    conn.writeHeaders(id, h, endStream);
  }

  @Override
  public void body(ByteBuf data) {
    if (headRequest || ended || !data.isReadable()) {
      data.release();
      return;
    }
    if (heldHead != null) {
      ByteBuf b = heldBody;
      if (b == null) {
        b = conn.ctx().alloc().buffer(Http1Response.SMALL_BODY);
        heldBody = b;
      }
      if (data.readableBytes() <= b.writableBytes()) {
        b.writeBytes(data);
        data.release();
        return;
      }
      sendHeld(false);
    }
    sent(data.readableBytes());
    conn.writeData(id, data, false);
  }

  private void sendHeld(boolean end) {
    Http2Headers h = heldHead;
    ByteBuf b = heldBody;
    heldHead = null;
    heldBody = null;
    if (h != null) {
      sendHead(h, end && b == null);
    }
    if (b != null) {
      sent(b.readableBytes());
      conn.writeData(id, b, end);
      ended |= end;
    }
  }

  @Override
  public void end(@Nullable ResponseTrailers trailers) {
    @Nullable Http2Headers t = trailers == null ? null : trailers.http2();
    boolean withTrailers = t != null && !t.isEmpty();
    sendHeld(!withTrailers);
    if (!ended) {
      if (t != null && withTrailers) {
        conn.writeHeaders(id, t, true);
      } else {
        conn.writeData(id, Unpooled.EMPTY_BUFFER, true);
      }
      ended = true;
    }
    ExchangeLog line = accessLog;
    if (line != null) {
      line.done(request.exchange());
    }
    request.stopRequest();
  }

  private void sent(int bytes) {
    ExchangeLog line = accessLog;
    if (line != null) {
      line.sent(bytes);
    }
  }

  @Override
  public void switching(ResponseHead head) {
    reset(HttpResponseStatus.BAD_GATEWAY); // never asked for: a stream carries no WebSocket upgrade
  }

  @Override
  public void continue100() {
    conn.writeHeaders(id, Http2Responses.continue100(), false);
    conn.flushSoon();
  }

  @Override
  public void fail(HttpResponseStatus status, String detail) {
    discardHeld();
    if (ended) {
      return;
    }
    if (grpc) {
      String message = detail.isEmpty() ? Grpc.messageFor(status) : "keel-proxy: " + detail;
      sendHead(Grpc.trailersOnly(Grpc.statusFor(status), message), true);
    } else {
      ByteBuf body = Http2Responses.errorBody(conn.ctx().alloc(), status, detail);
      sendHead(Http2Responses.error(status, body.readableBytes()), false);
      sent(body.readableBytes());
      conn.writeData(id, body, true);
      ended = true;
    }
    ExchangeLog line = accessLog;
    if (line != null) {
      // answered: before the stream had an exchange
      line.failed(status, request.answered() ? null : request.exchange(), conn.peer());
    }
    request.stopRequest();
  }

  @Override
  public void reset(HttpResponseStatus why) {
    discardHeld();
    if (ended) {
      return;
    }
    ended = true;
    ExchangeLog line = accessLog;
    if (line != null) {
      line.cut(request.exchange());
    }
    if (grpc && headSent) {
      // a gRPC call ends with its status in trailers: the client sees why, not a broken stream
      conn.writeHeaders(id, Grpc.trailers(Grpc.statusFor(why), Grpc.messageFor(why)), true);
      request.stopRequest();
    } else {
      request.dropRequest();
      conn.resetStream(id, Http2Error.INTERNAL_ERROR);
      conn.flushSoon();
    }
  }

  @Override
  public boolean committed() {
    return headSent;
  }

  @Override
  public void discardHeld() {
    heldHead = null;
    ByteBuf b = heldBody;
    heldBody = null;
    if (b != null) {
      b.release();
    }
  }

  @Override
  public void flush() {
    conn.flushSoon();
  }

  @Override
  public boolean writable() {
    return !ended && request.sendWindowOpen();
  }

  @Override
  public void requestMore() {
    request.requestMore();
  }

  @Override
  public void wakeAt(long deadlineNanos) {
    conn.wakeAt(deadlineNanos);
  }

  @Override
  public String toString() {
    return request.toString();
  }
}
