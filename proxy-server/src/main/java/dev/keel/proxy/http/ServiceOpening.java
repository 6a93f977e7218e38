package dev.keel.proxy.http;

import dev.keel.proxy.routing.ServiceEntry;
import dev.keel.registry.Durations;
import io.netty.handler.codec.http.HttpResponseStatus;
import org.jspecify.annotations.Nullable;

/**
 * The service an {@link Exchange}'s request was routed to, opened for its tries. A service closed
 * since the request was routed (idle, beyond the bound) is replaced by its live entry; a request
 * that comes before the service's first resolve waits for it once, and is dispatched again when
 * that is over ({@link Exchange#dispatch}); a service that cannot be opened, or resolves nothing
 * in time, is answered 503 through the exchange's {@link Recovery}.
 *
 * <p>One per exchange, reused with it ({@link #begin}); confined to the client connection's event
 * loop, on which the service calls back.
 */
final class ServiceOpening {
  private final Exchange exchange;
  private final ExchangeContext context;
  private final Recovery recovery;
  // Set by begin; replaced by the live entry when it was closed meanwhile.
  private @Nullable ServiceEntry<HttpService> service;
  // What the tries go to, once open.
  private @Nullable HttpService open;
  private boolean awaiting;
  private final Runnable ready = this::ready;

  ServiceOpening(Exchange exchange, ExchangeContext context, Recovery recovery) {
    this.exchange = exchange;
    this.context = context;
    this.recovery = recovery;
  }

  /** A new request, routed to {@code to}. */
  void begin(ServiceEntry<HttpService> to) {
    service = to;
    open = null;
    awaiting = false;
  }

  /**
   * The request's service, open; null when the exchange waits for its first resolve (dispatched
   * again when that is over) or was answered 503.
   */
  @Nullable HttpService open() {
    ServiceEntry<HttpService> s = service().live();
    service = s;
    HttpService to = s.service();
    if (to == null && !awaiting && s.await(context.channel().eventLoop(), ready)) {
      awaiting = true;
      return null;
    }
    if (to == null) {
      exchange.rule().stats.countUpstreamError();
      recovery.fail(HttpResponseStatus.SERVICE_UNAVAILABLE, "service not open", s.failed()
          ? "service '" + s.name() + "' cannot be opened now"
          : "service '" + s.name() + "' not resolved within " + Durations.format(s.firstResolve()));
      return null;
    }
    open = to;
    return to;
  }

  /** True while the request waits for the service's first resolve (a dispatch then would answer 503 early). */
  boolean awaiting() {
    return awaiting;
  }

  /** The service the last try went to, or null when none was open. */
  @Nullable HttpService opened() {
    return open;
  }

  /** The service's name, for the proxy's answers. */
  String name() {
    return service().name();
  }

  /** The service's first resolve is over (or its time is): the waiting request goes on. */
  private void ready() {
    if (awaiting && exchange.phase() == Phase.IDLE) {
      awaiting = false;
      exchange.dispatch();
    }
  }

  private ServiceEntry<HttpService> service() {
    ServiceEntry<HttpService> s = service;
    if (s == null) {
      throw new IllegalStateException("exchange not begun");
    }
    return s;
  }
}
