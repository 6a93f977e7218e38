package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.keel.proxy.config.ConfigLoader;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.upstream.Backend;
import dev.keel.proxy.upstream.UpstreamPicker;
import dev.keel.proxy.upstream.UpstreamPool;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.MockTicker;
import io.netty.util.concurrent.Ticker;
import java.net.ConnectException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.LoggerFactory;

/**
 * One client connection of an HTTP listener, run on Netty's {@link EmbeddedChannel}s: no sockets, no
 * threads, no sleeps. The client channel carries the real pipeline ({@link RequestDecoder},
 * {@link HttpProxyHandler}); every upstream connection the proxy opens is an embedded channel with
 * the real upstream pipeline ({@link UpstreamResponseDecoder}, the pool's connection handler), so
 * the whole exchange path runs as in production. Time is a {@link MockTicker} shared by all
 * channels: {@link #advance} moves it and runs what became due. Backends are {@code 127.0.0.1:1001}
 * and up, from a static registry through the real balancer; a backend's port can be set to refuse
 * connections. A WARN or ERROR logged by the proxy fails the test at {@link #close()} (an illegal
 * phase move is logged so).
 */
final class ExchangeHarness implements AutoCloseable {
  static final int FIRST_PORT = 1001;
  final MockTicker ticker = Ticker.newMockTicker();
  final ListenerConfig config;
  final UpstreamPicker picker;
  final HttpRoute route;
  final HttpProxyHandler handler;
  final EmbeddedChannel client;
  /** Upstream connections in the order they were opened, and the backend each went to. */
  final List<EmbeddedChannel> upstreams = new ArrayList<>();
  final List<Backend> dialed = new ArrayList<>();
  private final List<EmbeddedChannel> others = new ArrayList<>();
  final Set<Integer> refusing = ConcurrentHashMap.newKeySet();
  /** When set, connects stay pending until {@link #connect} completes them (to see CONNECTING). */
  boolean deferConnects;
  private final List<io.netty.channel.ChannelPromise> pending = new ArrayList<>();
  /** read() calls on the client channel (backpressure: the proxy reads only when it can take more). */
  int clientReads;
  private final RegistryClient registry;
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger proxyLogger = (Logger) LoggerFactory.getLogger("dev.keel.proxy");

  /** @param listenerYaml extra listener lines, each indented by 4 spaces */
  ExchangeHarness(int backends, String listenerYaml) {
    StringBuilder uri = new StringBuilder("static://");
    for (int i = 0; i < backends; i++) {
      uri.append(i == 0 ? "" : ",").append("127.0.0.1:").append(FIRST_PORT + i);
    }
    config = new ConfigLoader(Map.<String, String>of()::get).parse("registry: " + uri + "\n"
        + "listeners:\n  - name: web\n    listen: 127.0.0.1:0\n    service: demo\n" + listenerYaml, null)
        .listeners().get(0);
    registry = Registries.open(uri.toString());
    picker = UpstreamPicker.start(config, registry);
    await().atMost(Duration.ofSeconds(10)).until(() -> picker.backends().size() == backends);
    TunnelBalancing tunnels = new TunnelBalancing(picker.connections(), config.rebalance().enabled());
    route = new HttpRoute(config, picker, loop -> new UpstreamPool(loop, this::dial,
        (ch, b) -> ch.pipeline().addLast("response-decoder", new UpstreamResponseDecoder()),
        config.upstream().maxIdlePerLoop(), config.timeouts().idle().toNanos()), tunnels);
    logs.start();
    proxyLogger.addAppender(logs);
    ReadDeadlines deadlines = new ReadDeadlines(config.timeouts().headerRead().toNanos(),
        config.timeouts().bodyRead().toNanos());
    handler = new HttpProxyHandler(route, deadlines);
    client = EmbeddedChannel.builder().ticker(ticker).handlers(new ReadCounter(),
        new RequestDecoder(config.limits().maxUriLength() + 64, config.limits().maxHeaderSize(), 64 * 1024,
            deadlines), handler).build();
    client.config().setAutoRead(false); // as in production: the proxy reads when it can take more
  }

  private io.netty.channel.ChannelFuture dial(Backend b, ChannelHandler initializer) {
    if (refusing.contains(b.port())) {
      EmbeddedChannel refused = EmbeddedChannel.builder().ticker(ticker).build();
      return refused.newFailedFuture(new ConnectException("connection refused: " + b));
    }
    EmbeddedChannel ch = EmbeddedChannel.builder().ticker(ticker).handlers(initializer).build();
    ch.config().setAutoRead(false);
    upstreams.add(ch);
    dialed.add(b);
    if (deferConnects) {
      io.netty.channel.ChannelPromise p = ch.newPromise();
      pending.add(p);
      return p;
    }
    return ch.newSucceededFuture();
  }

  /** Completes the oldest pending connect: successfully, or refused. */
  ExchangeHarness connect(boolean succeed) {
    io.netty.channel.ChannelPromise p = pending.remove(0);
    if (succeed) {
      p.setSuccess();
    } else {
      p.channel().close();
      p.setFailure(new ConnectException("connection refused"));
    }
    return this;
  }

  /** Counts the proxy's read() calls on the client channel. */
  private final class ReadCounter extends ChannelOutboundHandlerAdapter {
    @Override
    public void read(ChannelHandlerContext ctx) {
      clientReads++;
      ctx.read();
    }
  }

  /** Another client connection of the same listener (closed by {@link #close()}). */
  EmbeddedChannel newClient() {
    ReadDeadlines deadlines = new ReadDeadlines(config.timeouts().headerRead().toNanos(),
        config.timeouts().bodyRead().toNanos());
    EmbeddedChannel ch = EmbeddedChannel.builder().ticker(ticker).handlers(new RequestDecoder(
        config.limits().maxUriLength() + 64, config.limits().maxHeaderSize(), 64 * 1024, deadlines),
        new HttpProxyHandler(route, deadlines)).build();
    ch.config().setAutoRead(false);
    others.add(ch);
    return ch;
  }

  /**
   * An HTTP/2 client connection of the same listener ({@link Http2ProxyHandler}), after {@code before}
   * (closed by {@link #close()}).
   */
  EmbeddedChannel newHttp2Client(ChannelHandler... before) {
    ChannelHandler[] handlers = java.util.Arrays.copyOf(before, before.length + 1);
    handlers[before.length] = Http2ProxyHandler.create(route);
    EmbeddedChannel ch = EmbeddedChannel.builder().ticker(ticker).handlers(handlers).build();
    ch.config().setAutoRead(false);
    others.add(ch);
    return ch;
  }

  /** Everything written to {@code ch} since the last call. */
  String drainClient(EmbeddedChannel ch) {
    return drain(ch);
  }

  /** The client sends {@code text} (one read on the proxy's side). */
  ExchangeHarness send(String text) {
    client.writeInbound(ascii(text));
    return this;
  }

  /** Upstream {@code i} (in order of opening) sends {@code text}. */
  ExchangeHarness answer(int i, String text) {
    upstreams.get(i).writeInbound(ascii(text));
    return this;
  }

  /** Everything written to the client since the last call. */
  String clientGot() {
    return drain(client);
  }

  /** Everything written to upstream {@code i} since the last call. */
  String upstreamGot(int i) {
    return drain(upstreams.get(i));
  }

  /** The phase of the exchange in progress; null between exchanges. */
  @Nullable Phase phase() {
    Exchange e = handler.current();
    return e == null ? null : e.phase();
  }

  /** Moves the shared clock and runs every timer that became due, on every channel. */
  void advance(Duration d) {
    ticker.advance(d.toNanos(), TimeUnit.NANOSECONDS);
    client.runScheduledPendingTasks();
    for (EmbeddedChannel u : List.copyOf(upstreams)) {
      u.runScheduledPendingTasks();
    }
    for (EmbeddedChannel o : List.copyOf(others)) {
      o.runScheduledPendingTasks();
      o.runPendingTasks();
    }
    client.runPendingTasks();
  }

  Backend backend(int port) {
    return picker.backends().stream().filter(b -> b.port() == port).findFirst().orElseThrow();
  }

  /** What {@code ch} wrote, as ISO-8859-1 text, its buffers released (the HTTP/2 harness uses it too). */
  static String drain(EmbeddedChannel ch) {
    ch.runPendingTasks();
    StringBuilder s = new StringBuilder();
    Object m;
    while ((m = ch.readOutbound()) != null) {
      try {
        if (m instanceof ByteBuf b) {
          s.append(b.toString(StandardCharsets.ISO_8859_1));
        }
      } finally {
        ReferenceCountUtil.release(m);
      }
    }
    return s.toString();
  }

  static ByteBuf ascii(String s) {
    return Unpooled.copiedBuffer(s, StandardCharsets.ISO_8859_1);
  }

  /** WARN and ERROR lines the proxy logged. */
  List<String> problems() {
    return problems(logs);
  }

  /** The WARN and ERROR lines among {@code logs}. */
  static List<String> problems(ListAppender<ILoggingEvent> logs) {
    List<String> out = new ArrayList<>();
    for (ILoggingEvent e : logs.list) {
      if (e.getLevel().isGreaterOrEqual(Level.WARN)) {
        out.add(e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : ": " + e.getThrowableProxy().getMessage()));
      }
    }
    return out;
  }

  @Override
  public void close() {
    try {
      client.finishAndReleaseAll();
      for (EmbeddedChannel c : others) {
        c.finishAndReleaseAll();
      }
      for (EmbeddedChannel u : upstreams) {
        u.finishAndReleaseAll();
      }
      assertThat(problems()).as("warnings and errors logged by the proxy").isEmpty();
    } finally {
      proxyLogger.detachAppender(logs);
      route.closeIdle();
      route.close(); // its service: the picker and the tunnel balancing
      registry.close();
    }
  }
}
