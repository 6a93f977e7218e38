package dev.keel.proxy.http;

import dev.keel.proxy.accesslog.AccessLog;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2Stream;
import java.util.ArrayDeque;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP/2 stream of a client connection as one {@link Exchange}: it reads the request (HEADERS,
 * DATA, trailing HEADERS) into the exchange and is the exchange's {@link ResponseSink} (HEADERS,
 * DATA, trailing HEADERS, RST_STREAM). A gRPC call's failures are told as gRPC statuses (trailers),
 * never as plain HTTP errors.
 *
 * <p>Flow control, both ways per stream: request DATA is copied out of the connection's read
 * buffer and given to the exchange only while it takes more (its upstream is writable); the
 * stream's window goes back to the client ({@link Http2ProxyHandler#consume}) only as bytes are
 * given, so a stream whose instance reads slowly holds at most its window, and no other stream
 * waits for it. The response is read from the upstream only while the stream's send window (and
 * the connection) has room: a client that reads one stream slowly stalls that stream only.
 *
 * <p>Reused by the connection for later streams ({@link #begin} sets every field anew). Confined to
 * the connection's event loop.
 */
final class Http2ClientStream implements ResponseSink {
  private static final Logger log = LoggerFactory.getLogger(Http2ClientStream.class);

  private final Http2ProxyHandler conn;
  private final Exchange exchange;
  private final Http2RequestReader reader = new Http2RequestReader();
  private @Nullable Http2Stream stream;
  private int id;
  // The request side: DATA not given to the exchange yet (copies), and how the request ended.
  private final ArrayDeque<ByteBuf> pending = new ArrayDeque<>(4);
  private boolean requestEnded;
  private boolean lastGiven;
  private @Nullable HttpHeaders requestTrailers;
  private boolean answered; // the proxy answered before any exchange began (a refused request)
  private boolean grpc;
  private boolean headRequest;
  private boolean touched;
  private boolean gave; // request bytes given to the exchange since the last read completed
  // The response side.
  private @Nullable Http2Headers heldHead;
  private @Nullable ByteBuf heldBody;
  private boolean headSent;
  private boolean ended;
  int quietTicks;
  // this stream's access log line, when the listener has an access log
  private final @Nullable ExchangeLog accessLog;

  Http2ClientStream(Http2ProxyHandler conn, ExchangeContext context) {
    this.conn = conn;
    this.exchange = new Exchange(context, this);
    AccessLog log = conn.accessLog();
    this.accessLog = log == null ? null : new ExchangeLog(log);
  }

  Exchange exchange() {
    return exchange;
  }

  boolean grpc() {
    return grpc;
  }

  /**
   * A new stream: its request HEADERS are read and checked, and its exchange begins (or the proxy
   * answers at once when it refuses the request). Dispatched at the end of the read.
   *
   * @throws Http2Exception a stream error when the request is malformed (nothing answered)
   */
  void begin(Http2Stream s, Http2Headers headers, boolean endOfStream) throws Http2Exception {
    stream = s;
    id = s.id();
    requestEnded = endOfStream;
    lastGiven = false;
    requestTrailers = null;
    answered = false;
    touched = false;
    gave = false;
    heldHead = null;
    heldBody = null;
    headSent = false;
    ended = false;
    headRequest = false;
    quietTicks = 0;
    HttpRoute route = conn.route();
    HttpResponseStatus refused = reader.read(id, headers, endOfStream, route.config().limits().maxUriLength());
    route.stats().requests.increment();
    grpc = reader.grpc();
    ExchangeLog line = accessLog;
    if (line != null) {
      line.begin(refused == null ? reader.request() : null, conn.peer(), "HTTP/2.0");
    }
    if (refused != null) {
      log.debug("refused {} from {} (stream {}): {}", refused.code(), conn.peer(), id, reader.head().problem);
      refuse(refused);
      return;
    }
    RequestHead head = reader.head();
    HttpRequest req = reader.request();
    headRequest = HttpMethod.HEAD.equals(req.method());
    long length = head.chunked() ? -1 : Math.max(head.contentLength(), 0);
    if (route.maxBody > 0 && length > route.maxBody) {
      refuse(HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE);
      return;
    }
    RoutedRequest routed = conn.routing();
    if (!routed.route(req, head, id, line)) {
      answer(routed.refused(), routed.detail());
      return;
    }
    routed.begin(exchange, req, head, false);
    long timeout = grpc ? reader.grpcTimeoutNanos() : -1;
    long deadline = timeout < 0 ? 0 : conn.ticker().nanoTime() + Math.max(1, timeout);
    // a gRPC call that may run twice: listed as idempotent, or sent as GET (gRPC's mark of a safe method)
    boolean idempotent = grpc && (HttpMethod.GET.equals(req.method()) || conn.settings().idempotent(req.uri()));
    exchange.call(deadline, idempotent, conn.settings().retryBuffer());
    if (endOfStream) {
      give(LastHttpContent.EMPTY_LAST_CONTENT);
      lastGiven = true;
    }
    conn.touch(this);
  }

  private void refuse(HttpResponseStatus status) {
    conn.route().stats().rejected.increment();
    answer(status, "");
  }

  /** The proxy's own answer before the stream has an exchange (refused, or no route). */
  private void answer(HttpResponseStatus status, String detail) {
    answered = true;
    fail(status, detail);
  }

  /** Request DATA; false when the stream does not take it (its window goes back at once). */
  boolean data(ByteBuf data, boolean endOfStream) {
    quietTicks = 0;
    requestEnded |= endOfStream;
    if (answered || exchange.phase().over()) {
      return false;
    }
    if (data.isReadable()) {
      // a copy: a slice would pin the connection's whole read buffer for as long as the stream waits
      pending.add(conn.ctx().alloc().buffer(data.readableBytes()).writeBytes(data, data.readerIndex(), data.readableBytes()));
    }
    pump();
    if (stream != null) {
      conn.touch(this);
    }
    return data.isReadable();
  }

  /** The request's trailers (a second HEADERS, which must end the stream). */
  void trailers(Http2Headers headers, boolean endOfStream) throws Http2Exception {
    if (!endOfStream) {
      throw Http2Exception.streamError(id, Http2Error.PROTOCOL_ERROR, "trailers without END_STREAM");
    }
    quietTicks = 0;
    requestEnded = true;
    if (answered || exchange.phase().over()) {
      return;
    }
    HttpHeaders t = new DefaultLastHttpContent().trailingHeaders();
    Http2RequestReader.trailers(id, headers, t);
    requestTrailers = t;
    pump();
    if (stream != null) {
      conn.touch(this);
    }
  }

  /**
   * Gives the exchange what it takes of the request now: while its upstream takes more. Nothing is
   * given before the exchange has an upstream (not even in the read that brought the head): what
   * waits stays here, within the stream's window, which the client cannot overrun.
   */
  private void pump() {
    while (!lastGiven && exchange.wantsClientBytes()) {
      ByteBuf b = pending.poll();
      if (b != null) {
        int n = b.readableBytes();
        boolean last = requestEnded && pending.isEmpty() && requestTrailers == null;
        give(last ? new DefaultLastHttpContent(b) : new DefaultHttpContent(b));
        lastGiven = last;
        conn.consume(stream(), n);
      } else if (requestEnded) {
        HttpHeaders t = requestTrailers;
        give(t == null ? LastHttpContent.EMPTY_LAST_CONTENT : lastWith(t));
        lastGiven = true;
      } else {
        return;
      }
    }
    if (exchange.phase().over()) {
      dropPending();
    }
  }

  private static LastHttpContent lastWith(HttpHeaders trailers) {
    LastHttpContent last = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER);
    last.trailingHeaders().set(trailers);
    return last;
  }

  private void give(HttpContent c) {
    gave = true;
    exchange.requestBody(c);
  }

  /** The end of a read that touched this stream: a new exchange is dispatched, an older one flushes upstream. */
  void readComplete() {
    touched = false;
    if (answered) {
      return;
    }
    if (exchange.phase() == Phase.IDLE || gave) {
      gave = false;
      exchange.clientReadComplete(); // dispatches a new exchange; flushes what went upstream
    }
  }

  /** True once, until the next {@link #readComplete}: the connection lists the stream only once per read. */
  boolean touch() {
    boolean first = !touched;
    touched = true;
    return first;
  }

  /** The client reset the stream (RST_STREAM): the instance's side ends too (its stream reset, or its connection closed). */
  void clientReset() {
    requestEnded = true;
    ended = true;
    if (!answered) {
      exchange.clientGone();
    }
    ExchangeLog line = accessLog;
    if (line != null) {
      line.gone(exchange); // nothing when the line was written already
    }
    dropPending();
  }

  /** The stream closed (both sides ended, reset, or the connection went): nothing more of it. */
  void closed() {
    ended = true;
    if (!answered && !exchange.phase().over()) {
      exchange.clientGone();
    }
    ExchangeLog line = accessLog;
    if (line != null) {
      line.gone(exchange); // nothing when the line was written already
    }
    dropPending();
    discardHeld();
    stream = null;
  }

  /** Half an idle timeout passed. */
  void idleTick(int idleTicks) {
    Attempt a = exchange.attempt();
    if (a != null) {
      a.idleTick(writable());
    }
    // a gRPC stream may rightly be silent for hours (a watch, a long poll): never cut for that
    if (!grpc && !answered && ++quietTicks >= idleTicks) {
      exchange.clientIdle(idleTicks);
    }
  }

  /** The request timer; the next deadline, or 0. */
  long timeUp(long now) {
    return answered || exchange.phase().over() ? 0 : exchange.timeUp(now);
  }

  /** The stream's send window (or the connection) has room again, or has none. */
  void writabilityChanged() {
    Attempt a = exchange.attempt();
    if (a != null && writable()) {
      a.clientWritable();
    }
  }

  private void dropPending() {
    ByteBuf b;
    Http2Stream s = stream;
    while ((b = pending.poll()) != null) {
      int n = b.readableBytes();
      b.release();
      if (s != null) {
        conn.consume(s, n);
      }
    }
  }

  private Http2Stream stream() {
    Http2Stream s = stream;
    if (s == null) {
      throw new IllegalStateException("stream " + id + " closed");
    }
    return s;
  }

  // ResponseSink: what the exchange sends to the client.

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
    // as on HTTP/1.1, a head whose body is small is held until that body is in: a failure before
    // then can still be retried, and a response without body leaves as one HEADERS frame
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
  public void end(@Nullable ByteBuf trailers) {
    @Nullable Http2Headers t = trailers == null ? null : Http2Responses.trailers(trailers);
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
      line.done(exchange);
    }
    stopRequest();
  }

  private void sent(int bytes) {
    ExchangeLog line = accessLog;
    if (line != null) {
      line.sent(bytes);
    }
  }

  /** The response is over while the client still sends: it may stop (RFC 9113 §8.1: RST_STREAM NO_ERROR). */
  private void stopRequest() {
    if (!requestEnded) {
      requestEnded = true;
      dropPending();
      conn.resetStream(id, Http2Error.NO_ERROR);
    }
    conn.flushSoon();
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
      line.failed(status, answered ? null : exchange, conn.peer()); // answered: before the stream had an exchange
    }
    stopRequest();
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
      line.cut(exchange);
    }
    if (grpc && headSent) {
      // a gRPC call ends with its status in trailers: the client sees why, not a broken stream
      conn.writeHeaders(id, Grpc.trailers(Grpc.statusFor(why), Grpc.messageFor(why)), true);
      stopRequest();
    } else {
      requestEnded = true;
      dropPending();
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
    Http2Stream s = stream;
    return s != null && !ended && conn.writable(s);
  }

  @Override
  public void requestMore() {
    if (stream != null && !answered) {
      pump();
      if (gave && exchange.phase() != Phase.IDLE) {
        gave = false;
        exchange.clientReadComplete(); // flushes what went upstream
      }
    }
  }

  @Override
  public void wakeAt(long deadlineNanos) {
    conn.wakeAt(deadlineNanos);
  }

  @Override
  public String toString() {
    return "stream " + id + " " + exchange;
  }
}
