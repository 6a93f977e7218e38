package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.keel.proxy.config.ConfigLoader;
import dev.keel.proxy.config.ListenerConfig;
import dev.keel.proxy.h2up.H2Balancing;
import dev.keel.proxy.h2up.H2Options;
import dev.keel.proxy.h2up.H2Pool;
import dev.keel.proxy.routing.ServiceDirectory;
import dev.keel.proxy.upstream.UpstreamPool;
import dev.keel.proxy.support.H2Script;
import dev.keel.proxy.upstream.Backend;
import dev.keel.proxy.upstream.UpstreamPicker;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
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
 * One HTTP/1.1 client connection of a listener with {@code upstream.protocol: h2c}, on Netty's
 * {@link EmbeddedChannel}s: the client channel carries the real pipeline, and every upstream
 * connection the proxy opens is an embedded channel with the real {@code H2Connection} on it, whose
 * instance side a test plays frame by frame ({@link H2Script}). Time is a {@link MockTicker} shared
 * by all channels. Backends are {@code 127.0.0.1:1001} and up; a backend's port can refuse
 * connections. A WARN or ERROR logged by the proxy fails the test at {@link #close()}.
 */
final class H2ExchangeHarness implements AutoCloseable {
  static final int FIRST_PORT = 1001;
  final MockTicker ticker = Ticker.newMockTicker();
  final ListenerConfig config;
  final UpstreamPicker picker;
  final H2Balancing balancing;
  final HttpRoute route;
  private @Nullable H2Pool pool;
  final EmbeddedChannel client;
  final HttpProxyHandler handler;
  final List<H2Script> upstreams = new ArrayList<>();
  final List<Backend> dialed = new ArrayList<>();
  final Set<Integer> refusing = ConcurrentHashMap.newKeySet();
  private final List<EmbeddedChannel> others = new ArrayList<>();
  private final RegistryClient registry;
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger proxyLogger = (Logger) LoggerFactory.getLogger("dev.keel.proxy");

  /** @param upstreamYaml extra keys of the upstream section, after {@code protocol: h2c} */
  H2ExchangeHarness(int backends, String upstreamYaml, String listenerYaml) {
    StringBuilder uri = new StringBuilder("static://");
    for (int i = 0; i < backends; i++) {
      uri.append(i == 0 ? "" : ",").append("127.0.0.1:").append(FIRST_PORT + i);
    }
    config = new ConfigLoader(Map.<String, String>of()::get).parse("registry: " + uri + "\n"
        + "listeners:\n  - name: web\n    listen: 127.0.0.1:0\n    service: demo\n"
        + "    rebalance: { enabled: false }\n"
        + "    upstream: { protocol: h2c" + upstreamYaml + " }\n" + listenerYaml, null).listeners().get(0);
    registry = Registries.open(uri.toString());
    picker = UpstreamPicker.start(config, registry);
    await().atMost(Duration.ofSeconds(10)).until(() -> picker.backends().size() == backends);
    balancing = new H2Balancing(picker.connections(), false);
    H2Options options = H2Options.of(config);
    // Every embedded channel has an event loop of its own; the client connections of a test share one
    // pool, as the connections of one event loop do in production.
    H2Upstreams h2 = new H2Upstreams(balancing, false, (loop, b) -> {
      H2Pool p = pool;
      if (p == null) {
        p = new H2Pool(loop, this::dial, (ch, x) -> { }, options, b);
        pool = p;
      }
      return p;
    });
    // no HTTP/1.1 pool is ever used: the one service speaks HTTP/2
    route = new HttpRoute(config, ServiceDirectory.of(config, s -> HttpService.http2(picker, h2)),
        loop -> new UpstreamPool(loop, this::dial, (ch, b) -> { }, 0, config.timeouts().idle().toNanos()));
    logs.start();
    proxyLogger.addAppender(logs);
    client = newClientChannel();
    handler = client.pipeline().get(HttpProxyHandler.class);
  }

  private EmbeddedChannel newClientChannel() {
    ReadDeadlines deadlines = new ReadDeadlines(config.timeouts().headerRead().toNanos(), config.timeouts().bodyRead().toNanos());
    EmbeddedChannel ch = EmbeddedChannel.builder().ticker(ticker).handlers(new RequestDecoder(
        config.limits().maxUriLength() + 64, config.limits().maxHeaderSize(), 64 * 1024, deadlines),
        new HttpProxyHandler(route, deadlines)).build();
    ch.config().setAutoRead(false);
    return ch;
  }

  /** Another client connection of the same listener, on the same loop (closed by {@link #close()}). */
  EmbeddedChannel newClient() {
    EmbeddedChannel ch = newClientChannel();
    others.add(ch);
    return ch;
  }

  private ChannelFuture dial(Backend b, ChannelHandler initializer) {
    if (refusing.contains(b.port())) {
      EmbeddedChannel refused = EmbeddedChannel.builder().ticker(ticker).build();
      return refused.newFailedFuture(new ConnectException("connection refused: " + b));
    }
    EmbeddedChannel ch = EmbeddedChannel.builder().ticker(ticker).handlers(initializer).build();
    upstreams.add(new H2Script(ch));
    dialed.add(b);
    return ch.newSucceededFuture();
  }

  H2Script upstream(int i) {
    return upstreams.get(i);
  }

  H2ExchangeHarness send(String text) {
    return send(client, text);
  }

  H2ExchangeHarness send(EmbeddedChannel ch, String text) {
    ch.writeInbound(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
    ch.runPendingTasks();
    return this;
  }

  /** Everything written to the client since the last call. */
  String clientGot() {
    return drain(client);
  }

  static String drain(EmbeddedChannel ch) {
    return ExchangeHarness.drain(ch);
  }

  /** The phase of the exchange in progress; null between exchanges. */
  @Nullable Phase phase() {
    Exchange e = handler.current();
    return e == null ? null : e.phase();
  }

  /**
   * Moves the shared clock a second at a time, running the timers due at each step, as time passes
   * in production (a periodic clock sees each of its ticks at its own time).
   */
  void pass(Duration d) {
    for (long s = d.toSeconds(); s > 0; s--) {
      advance(Duration.ofSeconds(1));
    }
  }

  /** Moves the shared clock and runs every timer that became due, on every channel. */
  void advance(Duration d) {
    ticker.advance(d.toNanos(), TimeUnit.NANOSECONDS);
    client.runScheduledPendingTasks();
    for (H2Script u : List.copyOf(upstreams)) {
      u.channel().runScheduledPendingTasks();
      u.channel().runPendingTasks();
    }
    client.runPendingTasks();
  }

  Backend backend(int port) {
    return picker.backends().stream().filter(b -> b.port() == port).findFirst().orElseThrow();
  }

  List<String> problems() {
    return ExchangeHarness.problems(logs);
  }

  @Override
  public void close() {
    try {
      client.finishAndReleaseAll();
      for (EmbeddedChannel c : others) {
        c.finishAndReleaseAll();
      }
      for (H2Script u : upstreams) {
        u.channel().finishAndReleaseAll();
        u.close();
      }
      assertThat(problems()).as("warnings and errors logged by the proxy").isEmpty();
    } finally {
      proxyLogger.detachAppender(logs);
      balancing.close();
      picker.close();
      closeRegistry();
    }
  }

  private void closeRegistry() {
    try {
      registry.close();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
