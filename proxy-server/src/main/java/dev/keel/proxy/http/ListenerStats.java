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
}
