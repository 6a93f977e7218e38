package dev.keel.proxy.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.keel.proxy.listener.RunningListener;
import dev.keel.proxy.support.ProxyFixture;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WebSocket tunnels are long-lived connections: 60 tunnels on 3 echo backends, 3 more backends
 * join, and after the settle window the proxy sheds tunnels with a 1012 Close frame until every
 * backend holds its share within the tolerance. The clients reconnect when closed and keep sending
 * fragmented messages (the backend puts a ping between the fragments of its echo) throughout, so
 * sheds are asked for in the middle of messages: no message may be cut on either side.
 */
class WebSocketRebalanceIntegrationTest {
  private static final Logger log = LoggerFactory.getLogger(WebSocketRebalanceIntegrationTest.class);
  private static final int TUNNELS = 60;

  @Test
  void addedBackendsGetTheirShareOfTunnelsThrough1012ClosesAtMessageBoundaries() throws Exception {
    String uri = "memory://ws-rebalance-" + UUID.randomUUID();
    EventLoopGroup loops = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    HttpClient http = HttpClient.newHttpClient();
    List<WebSocketEchoBackend> backends = new ArrayList<>();
    List<Client> clients = new ArrayList<>();
    try (RegistryClient registry = Registries.open(uri);
        ProxyFixture proxy = ProxyFixture.of(uri, "    timeouts: { idle: 60s }\n"
            + "    rebalance: { tolerance: 0.10, settle: 1s, max-shed-per-second: 50 }\n")) {
      for (int i = 0; i < 3; i++) {
        backends.add(backend("b" + i, loops, registry));
      }
      // The registrations reach the proxy asynchronously: tunnels placed before it knows all three
      // would start uneven, and shedding that spread would count against the 30 moves below.
      RunningListener listener = proxy.server.listeners().get(0);
      await().atMost(Duration.ofSeconds(10)).until(() -> proxy.picker().backends().size() == 3);
      URI target = URI.create("ws://127.0.0.1:" + proxy.address().getPort() + "/ws");
      for (int i = 0; i < TUNNELS; i++) {
        Client c = new Client(http, target, timer);
        clients.add(c);
        c.connect();
      }
      await().atMost(Duration.ofSeconds(30)).until(() -> open(backends) == TUNNELS && connected(clients) == TUNNELS);
      log.info("60 tunnels on 3 backends: {}", counts(backends));
      for (int i = 3; i < 6; i++) {
        backends.add(backend("b" + i, loops, registry));
      }
      double share = TUNNELS / 6.0;
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200)).until(() ->
          connected(clients) == TUNNELS && open(backends) == TUNNELS
              && counts(backends).stream().allMatch(n -> n <= share * 1.10 && n >= share * 0.90));
      Thread.sleep(1500); // a window of more shedding rounds, not a wait: over-shedding would show here
      await().atMost(Duration.ofSeconds(10)).until(() -> connected(clients) == TUNNELS && open(backends) == TUNNELS);
      List<Integer> end = counts(backends);
      long sheds = listener.stats().tunnelSheds();
      List<Integer> clientCodes = new ArrayList<>();
      clients.forEach(c -> clientCodes.addAll(c.closeCodes));
      List<Integer> backendCodes = new ArrayList<>();
      backends.forEach(b -> backendCodes.addAll(b.closeCodes));
      log.info("end: {}; sheds {}; echoed {}", end, sheds, clients.stream().mapToInt(c -> c.echoed.get()).sum());

      assertThat(backends).allSatisfy(b -> assertThat(b.errors).isEmpty());
      assertThat(end).allSatisfy(n -> assertThat(n / share).isBetween(0.90, 1.10));
      // 30 tunnels must move (20 on each old backend, 10 is the share); shedding stays near that.
      assertThat(sheds).isBetween(30L, 38L);
      assertThat(listener.stats().tunnels()).isEqualTo(TUNNELS);
      assertThat(clientCodes).as("every tunnel the proxy closed got 1012, and only those were closed")
          .hasSize((int) sheds).containsOnly(WebSocketTunnel.SERVICE_RESTART);
      assertThat(backendCodes).as("the upstream side of each shed tunnel got a Close with 1012")
          .hasSize((int) sheds).containsOnly(WebSocketTunnel.SERVICE_RESTART);
      assertThat(clients).allSatisfy(c -> {
        assertThat(c.cut.get()).as("closed inside an echoed message").isZero();
        assertThat(c.wrongEchoes.get()).isZero();
        assertThat(c.errors).isEmpty();
      });
      assertThat(backends).allSatisfy(b -> {
        assertThat(b.cutMessages.get()).as("closed inside a received message").isZero();
        assertThat(b.badMessages.get()).isZero();
      });
      assertThat(clients.stream().mapToInt(c -> c.echoed.get()).sum()).isGreaterThan(TUNNELS * 3);
      String status = proxy.client.send(java.net.http.HttpRequest.newBuilder(proxy.adminUri("/status")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      assertThat(status).contains("\"tunnels\":" + TUNNELS, "\"tunnelSheds\":" + sheds, "\"tunnels\":10");
      String metrics = proxy.client.send(java.net.http.HttpRequest.newBuilder(proxy.adminUri("/metrics")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      assertThat(metrics).contains("keel_proxy_tunnel_sheds_total", "keel_proxy_tunnels");
    } finally {
      clients.forEach(Client::stop);
      backends.forEach(WebSocketEchoBackend::close);
      timer.shutdownNow();
      loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /** A drain (reload, shutdown) closes a tunnel like a shed: 1012 both ways at a message boundary. */
  @Test
  void drainClosesTunnelsWith1012BothWays() throws Exception {
    String uri = "memory://ws-drain-" + UUID.randomUUID();
    EventLoopGroup loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    Client client = null;
    try (RegistryClient registry = Registries.open(uri);
        WebSocketEchoBackend b = backend("b0", loops, registry);
        ProxyFixture proxy = ProxyFixture.of(uri, "")) {
      client = new Client(HttpClient.newHttpClient(), URI.create("ws://127.0.0.1:" + proxy.address().getPort() + "/ws"), timer);
      client.connect();
      Client c = client;
      await().atMost(Duration.ofSeconds(10)).until(() -> c.echoed.get() >= 3);
      proxy.server.close(Duration.ofSeconds(5));
      await().atMost(Duration.ofSeconds(10)).until(() -> !c.closeCodes.isEmpty() && !b.closeCodes.isEmpty());
      assertThat(c.closeCodes).containsExactly(WebSocketTunnel.SERVICE_RESTART);
      assertThat(b.closeCodes).containsExactly(WebSocketTunnel.SERVICE_RESTART);
      assertThat(c.cut.get()).isZero();
      assertThat(b.cutMessages.get()).isZero();
    } finally {
      if (client != null) {
        client.stop();
      }
      timer.shutdownNow();
      loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /** The config accepts a tolerance up to 10 and a rate of 0; the balancer is given them clamped. */
  @Test
  void anHttpListenerStartsWithEveryRebalanceTheConfigAccepts() {
    try (ProxyFixture proxy = ProxyFixture.of("static://127.0.0.1:9",
        "    rebalance: { tolerance: 10, settle: 0s, max-shed-per-second: 0 }\n")) {
      assertThat(proxy.server.listeners()).hasSize(1);
    }
  }

  private static WebSocketEchoBackend backend(String id, EventLoopGroup loops, RegistryClient registry) {
    WebSocketEchoBackend b = new WebSocketEchoBackend(id, loops);
    b.register(registry, "demo");
    return b;
  }

  private static List<Integer> counts(List<WebSocketEchoBackend> backends) {
    return backends.stream().map(b -> b.open.get()).toList();
  }

  private static int open(List<WebSocketEchoBackend> backends) {
    return counts(backends).stream().mapToInt(Integer::intValue).sum();
  }

  private static int connected(List<Client> clients) {
    return (int) clients.stream().filter(c -> c.ws != null).count();
  }

  /**
   * One client: sends a message in three fragments 5–25 ms apart, waits for its whole echo, sends
   * the next within 3 ms (so a tunnel is mostly inside a message, and sheds land there too);
   * reconnects 50 ms after any close.
   */
  private static final class Client implements WebSocket.Listener {
    final ConcurrentLinkedQueue<Integer> closeCodes = new ConcurrentLinkedQueue<>();
    final ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
    final AtomicInteger echoed = new AtomicInteger();
    final AtomicInteger cut = new AtomicInteger();
    final AtomicInteger wrongEchoes = new AtomicInteger();
    private final HttpClient http;
    private final URI target;
    private final ScheduledExecutorService timer;
    private final StringBuilder received = new StringBuilder();
    volatile @Nullable WebSocket ws;
    private volatile String sent = "";
    private volatile boolean stopped;

    Client(HttpClient http, URI target, ScheduledExecutorService timer) {
      this.http = http;
      this.target = target;
      this.timer = timer;
    }

    void connect() {
      if (stopped) {
        return;
      }
      http.newWebSocketBuilder().buildAsync(target, this).whenComplete((w, e) -> {
        if (e != null) {
          errors.add(e);
        }
      });
    }

    @Override
    public void onOpen(WebSocket w) {
      ws = w;
      w.request(1);
      sendNext(w);
    }

    private void sendNext(WebSocket w) {
      ThreadLocalRandom r = ThreadLocalRandom.current();
      int n = r.nextInt(10, 30_000);
      String m = n + ":" + "x".repeat(n);
      sent = m;
      int a = m.length() / 3;
      int b = 2 * m.length() / 3;
      w.sendText(m.substring(0, a), false)
          .thenCompose(x -> later(x.sendText(m.substring(a, b), false)))
          .thenCompose(x -> later(x.sendText(m.substring(b), true)))
          .exceptionally(e -> null); // closed meanwhile: onClose reconnects
    }

    private CompletionStage<WebSocket> later(CompletableFuture<WebSocket> f) {
      CompletableFuture<WebSocket> out = new CompletableFuture<>();
      f.whenComplete((w, e) -> {
        if (e != null) {
          out.completeExceptionally(e);
        } else {
          timer.schedule(() -> out.complete(w), ThreadLocalRandom.current().nextInt(5, 25), TimeUnit.MILLISECONDS);
        }
      });
      return out;
    }

    @Override
    public @Nullable CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
      received.append(data);
      if (last) {
        if (!received.toString().equals(sent)) {
          wrongEchoes.incrementAndGet();
        }
        echoed.incrementAndGet();
        received.setLength(0);
        timer.schedule(() -> sendNext(w), ThreadLocalRandom.current().nextInt(0, 3), TimeUnit.MILLISECONDS);
      }
      w.request(1);
      return null;
    }

    @Override
    public @Nullable CompletionStage<?> onClose(WebSocket w, int statusCode, String reason) {
      if (!stopped) {
        closeCodes.add(statusCode);
        if (received.length() > 0) {
          cut.incrementAndGet();
        }
      }
      received.setLength(0);
      ws = null;
      timer.schedule(this::connect, 50, TimeUnit.MILLISECONDS);
      return null;
    }

    @Override
    public void onError(WebSocket w, Throwable error) {
      if (!stopped) {
        errors.add(error);
      }
      ws = null;
      timer.schedule(this::connect, 50, TimeUnit.MILLISECONDS);
    }

    void stop() {
      stopped = true;
      WebSocket w = ws;
      if (w != null) {
        w.abort();
      }
    }
  }
}
