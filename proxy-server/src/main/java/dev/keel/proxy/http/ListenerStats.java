package dev.keel.proxy.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/** Counters of one listener, updated from its event loops without locks; read by the admin listener. */
public final class ListenerStats {
  final AtomicInteger connections = new AtomicInteger();
  final LongAdder requests = new LongAdder();
  final LongAdder rejected = new LongAdder();
  final LongAdder notFound = new LongAdder();
  final LongAdder upstreamErrors = new LongAdder();
  final LongAdder retries = new LongAdder();
  final AtomicInteger tunnels = new AtomicInteger();
  final LongAdder tunnelSheds = new LongAdder();
  final AtomicInteger http2Connections = new AtomicInteger();
  final AtomicInteger streams = new AtomicInteger();
  final LongAdder streamResets = new LongAdder();
  final LongAdder goAways = new LongAdder();
  final LongAdder calmed = new LongAdder();

  /** Client connections open now. */
  public int connections() {
    return connections.get();
  }

  /** Requests received (including rejected ones). */
  public long requests() {
    return requests.sum();
  }

  /** Requests refused as malformed or not allowed (4xx/5xx the proxy produced without an upstream). */
  public long rejected() {
    return rejected.sum();
  }

  /** Requests no route matched (404). */
  public long notFound() {
    return notFound.sum();
  }

  /** A request the routes refused: 404 when none matched, else (400) rejected. */
  void refusedByRoutes(@Nullable HttpResponseStatus status) {
    if (HttpResponseStatus.NOT_FOUND.equals(status)) {
      notFound.increment();
    } else {
      rejected.increment();
    }
  }

  /** 502/503/504 answered by the proxy. */
  public long upstreamErrors() {
    return upstreamErrors.sum();
  }

  /** Requests retried on another instance. */
  public long retries() {
    return retries.sum();
  }

  /** WebSocket tunnels open now. */
  public int tunnels() {
    return tunnels.get();
  }

  /** WebSocket tunnels closed with 1012 by rebalancing (forced closes). */
  public long tunnelSheds() {
    return tunnelSheds.sum();
  }

  /** Client connections open now that speak HTTP/2 (counted in {@link #connections()} too). */
  public int http2Connections() {
    return http2Connections.get();
  }

  /** HTTP/2 streams of clients open now, each an exchange (or a refused request being answered). */
  public int streams() {
    return streams.get();
  }

  /** HTTP/2 streams the client reset (RST_STREAM): cancelled calls, and resets of a flood. */
  public long streamResets() {
    return streamResets.sum();
  }

  /** HTTP/2 client connections drained with GOAWAY (shutdown, reload, max-connection-age, idle). */
  public long goAways() {
    return goAways.sum();
  }

  /** HTTP/2 client connections closed with GOAWAY ENHANCE_YOUR_CALM: resets, control frames or headers beyond the limits. */
  public long calmed() {
    return calmed.sum();
  }
}
