package dev.keel.proxy.listener;

import dev.keel.proxy.accesslog.AccessLog;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.http.ExchangeLog;
import dev.keel.proxy.http.Http2ProxyHandler;
import dev.keel.proxy.http.HttpProxyHandler;
import dev.keel.proxy.http.HttpRoute;
import dev.keel.proxy.http.ReadDeadlines;
import dev.keel.proxy.http.RequestDecoder;
import dev.keel.proxy.http2.AlpnProtocols;
import dev.keel.proxy.http2.PrefaceSniffer;
import dev.keel.proxy.http2.Protocols;
import io.netty.channel.ChannelPipeline;
import org.jspecify.annotations.Nullable;

/**
 * The handlers of an HTTP listener's client connections, by protocol: HTTP/1.1 (the strict request
 * decoder and {@link HttpProxyHandler}) or HTTP/2 ({@link Http2ProxyHandler}), chosen by ALPN on a
 * TLS listener and by the first bytes on a clear-text one ({@link PrefaceSniffer}), or HTTP/1.1
 * only when {@code http2: false}. Shared by the listener's connections; thread-safe (immutable).
 */
final class HttpConnections implements Protocols {
  private static final int MAX_CHUNK = 64 * 1024;

  private final HttpRoute route;
  private final int maxLine;
  private final int maxHeader;
  private final long headerReadNanos;
  private final long bodyReadNanos;
  private final long idleNanos;
  private final boolean http2;
  private final @Nullable AccessLog accessLog;

  /** @param accessLog the listener's access log, or null */
  HttpConnections(HttpRoute route, @Nullable AccessLog accessLog) {
    this.accessLog = accessLog;
    ListenerConfig config = route.config();
    this.route = route;
    this.maxLine = config.limits().maxUriLength() + 64;
    this.maxHeader = config.limits().maxHeaderSize();
    this.headerReadNanos = config.timeouts().headerRead().toNanos();
    this.bodyReadNanos = config.timeouts().bodyRead().toNanos();
    this.idleNanos = config.timeouts().idle().toNanos();
    this.http2 = config.http2().enabled();
  }

  /**
   * Sets up a new client connection after its TLS handler (if any): the protocol's handlers at once,
   * or the one that finds the protocol out.
   *
   * @param tls the connection is TLS (ALPN chooses); else clear text (the first bytes do)
   */
  void init(ChannelPipeline p, boolean tls) {
    if (!http2) {
      http1(p);
    } else if (tls) {
      p.addLast("alpn", new AlpnProtocols(this));
    } else {
      p.addLast("sniff", new PrefaceSniffer(this, idleNanos, headerReadNanos));
    }
  }

  @Override
  public void http1(ChannelPipeline p) {
    // Idle timeout and read deadlines are kept by the proxy handler itself, not by handlers of
    // their own: every handler is one more hop for each message.
    if (accessLog != null) {
      // below the proxy handler, above TLS: counts the response bytes as HTTP sends them
      p.addLast("access-log", new ExchangeLog(accessLog));
    }
    ReadDeadlines deadlines = new ReadDeadlines(headerReadNanos, bodyReadNanos);
    p.addLast("decoder", new RequestDecoder(maxLine, maxHeader, MAX_CHUNK, deadlines));
    p.addLast("proxy", new HttpProxyHandler(route, deadlines));
  }

  @Override
  public void http2(ChannelPipeline p) {
    p.addLast("h2", Http2ProxyHandler.create(route, accessLog));
  }
}
