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
 * DATA, trailing HEADERS) into the exchange; its {@link Http2StreamResponse} is the exchange's
 * {@link ResponseSink} (HEADERS, DATA, trailing HEADERS, RST_STREAM).
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
final class Http2ClientStream {
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
  private boolean touched;
  private boolean gave; // request bytes given to the exchange since the last read completed
  int quietTicks;
  // this stream's access log line, when the listener has an access log
  private final @Nullable ExchangeLog accessLog;
  private final Http2StreamResponse response;

  Http2ClientStream(Http2ProxyHandler conn, ExchangeContext context) {
    this.conn = conn;
    AccessLog log = conn.accessLog();
    this.accessLog = log == null ? null : new ExchangeLog(log);
    this.response = new Http2StreamResponse(conn, this, accessLog);
    this.exchange = new Exchange(context, response);
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
    quietTicks = 0;
    HttpRoute route = conn.route();
    HttpResponseStatus refused = reader.read(id, headers, endOfStream, route.config().limits().maxUriLength());
    route.stats().requests.increment();
    grpc = reader.grpc();
    response.begin(id, grpc);
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
    if (HttpMethod.HEAD.equals(req.method())) {
      response.headRequest();
    }
    if (head.declaresMoreThan(route.maxBody)) {
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
    response.fail(status, detail);
  }

  /** True when the proxy answered before any exchange began (a refused request). */
  boolean answered() {
    return answered;
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
    response.gone();
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
    response.gone();
    if (!answered && !exchange.phase().over()) {
      exchange.clientGone();
    }
    ExchangeLog line = accessLog;
    if (line != null) {
      line.gone(exchange); // nothing when the line was written already
    }
    dropPending();
    response.discardHeld();
    stream = null;
  }

  /** Half an idle timeout passed. */
  void idleTick(int idleTicks) {
    Attempt a = exchange.attempt();
    if (a != null) {
      a.idleTick(response.writable());
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
    if (a != null && response.writable()) {
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

  /** The response is over while the client still sends: it may stop (RFC 9113 §8.1: RST_STREAM NO_ERROR). */
  void stopRequest() {
    if (!requestEnded) {
      dropRequest();
      conn.resetStream(id, Http2Error.NO_ERROR);
    }
    conn.flushSoon();
  }

  /** Nothing more of the request is taken: what waits is dropped (its window goes back). */
  void dropRequest() {
    requestEnded = true;
    dropPending();
  }

  /** True while the stream is open and its send window (and the connection's) has room. */
  boolean sendWindowOpen() {
    Http2Stream s = stream;
    return s != null && conn.writable(s);
  }

  /** The exchange takes more of the request: what waits is given, and flushed upstream. */
  void requestMore() {
    if (stream != null && !answered) {
      pump();
      if (gave && exchange.phase() != Phase.IDLE) {
        gave = false;
        exchange.clientReadComplete(); // flushes what went upstream
      }
    }
  }

  @Override
  public String toString() {
    return "stream " + id + " " + exchange;
  }
}
