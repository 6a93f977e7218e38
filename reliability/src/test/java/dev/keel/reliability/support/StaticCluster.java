package dev.keel.reliability.support;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keel.balancer.Balancer;
import dev.keel.balancer.BalancerConfig;
import dev.keel.balancer.BalancerState;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.HealthChecker;
import dev.keel.client.KeelOkHttp;
import dev.keel.client.ServicePolicy;
import dev.keel.proxy.ProxyServer;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * {@link SlowBackend}s listed in a {@code static://} registry (no registry server), a keel-proxy
 * started from {@code proxyYaml}'s listener keys and a Keel OkHttp client with {@code policy}, both
 * balancing service {@code demo} over the same backends. Requests carry {@code X-Load: proxy} or
 * {@code X-Load: client}. Closes everything it started, in reverse order.
 */
public final class StaticCluster implements AutoCloseable {
  public static final String SERVICE = "demo";
  private final CloseStack toClose = new CloseStack("the cluster");
  public final List<SlowBackend> backends = new ArrayList<>();
  public final ProxyServer proxy;
  public final KeelOkHttp keel;
  public final OkHttpClient client;
  /** Every status the proxy answered to {@link #proxyGet}, counted. */
  public final Map<Integer, AtomicInteger> proxyStatuses = new ConcurrentHashMap<>();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  /**
   * @param listenerKeys YAML lines of the listener, each indented by 4 spaces
   * @param clientTimeout the client's read timeout: its per-try timeout
   */
  public StaticCluster(int backendCount, String listenerKeys, BalancerConfig clientConfig, Duration clientTimeout)
      throws IOException {
    try {
      for (int i = 0; i < backendCount; i++) {
        SlowBackend b = SlowBackend.start("b" + i);
        toClose.push(b);
        backends.add(b);
      }
      String uri = "static://" + backends.stream().map(SlowBackend::address).collect(Collectors.joining(","));
      proxy = Proxies.start(uri, listenerKeys);
      toClose.push(() -> proxy.close(Duration.ofMillis(500)));
      RegistryClient registry = Registries.open(uri);
      toClose.push(registry);
      keel = KeelOkHttp.builder(registry)
          .service(SERVICE, ServicePolicy.builder().balancerConfig(clientConfig)
              .healthChecker(HealthChecker.http("/health")).build())
          .build();
      toClose.push(keel);
      client = keel.install(new OkHttpClient.Builder().connectTimeout(Duration.ofSeconds(1))
          .readTimeout(clientTimeout)).build();
      toClose.push(() -> {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
      });
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /** GET {@code path} through the proxy; the answering backend's name, or an exception for any status but 200. */
  public String proxyGet(String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(Proxies.uri(proxy, path)).header("X-Load", "proxy")
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    proxyStatuses.computeIfAbsent(r.statusCode(), k -> new AtomicInteger()).incrementAndGet();
    if (r.statusCode() != 200) {
      throw new IOException("proxy answered " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }

  public int proxyStatusCount(int status) {
    AtomicInteger n = proxyStatuses.get(status);
    return n == null ? 0 : n.get();
  }

  /** GET {@code path} through the in-app client by service name. */
  public String clientGet(String path) throws Exception {
    try (Response r = client.newCall(new Request.Builder().url("http://" + SERVICE + path).header("X-Load", "client")
        .build()).execute()) {
      String body = r.body().string();
      if (r.code() != 200) {
        throw new IOException("client got " + r.code() + ": " + body);
      }
      return body;
    }
  }

  /** The proxy's {@code /status} backends of listener {@code web}, by address. */
  public Map<String, JsonNode> proxyBackends() throws Exception {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (JsonNode b : Proxies.status(http, proxy).path("listeners").path(0).path("backends")) {
      out.put(b.path("address").asText(), b);
    }
    return out;
  }

  /** The proxy's {@code "healthy"} of {@code b}: up by active checks and not ejected. */
  public boolean proxyHealthy(SlowBackend b) throws Exception {
    return proxyBackends().get(b.address()).path("healthy").asBoolean();
  }

  /** The client's balancer state for the service (it exists once a call was made). */
  public BalancerState clientState() {
    Balancer balancer = keel.balancer(SERVICE);
    if (balancer == null) {
      throw new IllegalStateException("no call to " + SERVICE + " yet");
    }
    return balancer.state();
  }

  /** The client's endpoint of {@code b}. */
  public Endpoint clientEndpoint(SlowBackend b) {
    return clientState().members().stream().filter(e -> e.instance().port() == b.port()).findFirst()
        .orElseThrow(() -> new IllegalStateException(b.name() + " is not a member"));
  }

  /** Requests with {@code X-Load: tag} that reached each backend, by name, at this moment. */
  public Map<String, Integer> arrivals(String tag) {
    Map<String, Integer> out = new LinkedHashMap<>();
    for (SlowBackend b : backends) {
      out.put(b.name(), b.arrivals(tag));
    }
    return out;
  }

  @Override
  public void close() {
    toClose.close();
  }
}
