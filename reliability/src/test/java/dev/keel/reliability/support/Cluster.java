package dev.keel.reliability.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.keel.balancer.Balancer;
import dev.keel.balancer.BalancerState;
import dev.keel.balancer.Endpoint;
import dev.keel.client.KeelOkHttp;
import dev.keel.proxy.ProxyServer;
import dev.keel.registry.Registration;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.apache.curator.test.TestingServer;
import org.jspecify.annotations.Nullable;

/**
 * A registry, backends registered as {@code demo} through Keel, a keel-proxy and a Keel OkHttp
 * client watching the same registry. Closes everything it started, the registry included, in
 * reverse order.
 */
public final class Cluster implements AutoCloseable {
  public static final String SERVICE = "demo";
  private final CloseStack toClose = new CloseStack("the cluster");
  public final RegistryFixture registry;
  /** The ZooKeeper server when {@link #registry} is ZooKeeper, else null. */
  public final @Nullable TestingServer zk;
  /** Registers the backends; opened on {@code registry.registrarUri()}. */
  public final RegistryClient registrar;
  public final List<KillableBackend> backends = new ArrayList<>();
  public final Map<String, Registration> registrations = new ConcurrentHashMap<>();
  public final ProxyServer proxy;
  /** The in-app client's registry client. */
  public final RegistryClient clientRegistry;
  public final KeelOkHttp keel;
  public final OkHttpClient client;
  public final HttpClient proxyClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  /** ZooKeeper; the proxy and the client get {@code registryParams} on their registry URI. */
  public Cluster(int backendCount, String registryParams) throws Exception {
    this(ZooKeeperFixture.open(), backendCount, registryParams);
  }

  /** The proxy and the client get {@code registryParams} on their registry URI. */
  public Cluster(RegistryFixture registry, int backendCount, String registryParams) throws Exception {
    this(registry.uri(registryParams), registry, backendCount);
  }

  /**
   * The proxy and the client reach the registry through {@code watcherPort} (a {@link dev.keel.testsupport.TcpRelay}), with
   * {@code registryParams}; the registrar reaches it directly.
   */
  public Cluster(RegistryFixture registry, int backendCount, String registryParams, int watcherPort) throws Exception {
    this(registry.uriVia(watcherPort, registryParams), registry, backendCount);
  }

  private Cluster(String watcherUri, RegistryFixture registry, int backendCount) throws Exception {
    this.registry = registry;
    toClose.push(registry);
    try {
      zk = registry instanceof ZooKeeperFixture z ? z.server() : null;
      registrar = Registries.open(registry.registrarUri());
      toClose.push(registrar);
      for (int i = 0; i < backendCount; i++) {
        addBackend("b" + i);
      }
      // A registry may answer queries from data a moment behind its registrations (Nacos answers from
      // each service's cached list, which it refreshes with its 500 ms push delay): wait until it has
      // them all, so that the proxy and the client start from the whole set, as in service. By id and
      // address: on a registry shared by the scenarios, the cached list may still hold the previous
      // scenario's b0, b1... at their old ports.
      Set<String> registered = new TreeSet<>();
      registrations.values().forEach(r -> registered.add(r.instance().id() + "@" + r.instance().address()));
      await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
          .until(() -> registered.equals(idsAndAddresses(registrar.resolve(SERVICE).instances())));
      proxy = Proxies.start(watcherUri);
      toClose.push(() -> proxy.close(Duration.ofMillis(500)));
      clientRegistry = Registries.open(watcherUri);
      toClose.push(clientRegistry);
      keel = KeelOkHttp.create(clientRegistry);
      toClose.push(keel);
      client = keel.install(new OkHttpClient.Builder().connectTimeout(Duration.ofSeconds(2))
          .readTimeout(Duration.ofSeconds(5))).build();
      toClose.push(() -> {
        client.dispatcher().executorService().shutdown();
        client.connectionPool().evictAll();
      });
    } catch (Exception | Error e) {
      close();
      throw e;
    }
  }

  /** A backend that is closed with the cluster but not registered, for a registration made elsewhere. */
  public KillableBackend startBackend(String name) throws IOException {
    KillableBackend b = KillableBackend.start(name);
    toClose.push(b);
    return b;
  }

  public KillableBackend addBackend(String name) throws IOException {
    KillableBackend b = KillableBackend.start(name);
    toClose.push(b);
    backends.add(b);
    register(b);
    return b;
  }

  public void register(KillableBackend b) {
    registrations.put(b.name(), registrar.register(instance(b)));
  }

  /** {@code b} as an instance of {@code demo} with its name as id. */
  public static ServiceInstance instance(KillableBackend b) {
    return ServiceInstance.builder().service(SERVICE).id(b.name()).host("127.0.0.1").port(b.port()).build();
  }

  public void deregister(KillableBackend b) {
    registrations.remove(b.name()).close();
  }

  /** GET through the proxy; the answering backend's name, or an exception for any status but 200. */
  public String proxyGet(String path) throws Exception {
    HttpResponse<String> r = proxyClient.send(HttpRequest.newBuilder(Proxies.uri(proxy, path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("proxy answered " + r.statusCode() + ": " + r.body());
    }
    return r.body();
  }

  /** GET through the in-app client by service name. */
  public String clientGet(String path) throws Exception {
    try (Response r = client.newCall(new Request.Builder().url("http://" + SERVICE + path).build()).execute()) {
      String body = r.body().string();
      if (r.code() != 200) {
        throw new IOException("client got " + r.code() + ": " + body);
      }
      return body;
    }
  }

  private static Set<String> idsAndAddresses(List<ServiceInstance> instances) {
    Set<String> out = new TreeSet<>();
    instances.forEach(i -> out.add(i.id() + "@" + i.address()));
    return out;
  }


  /** The ids of the backends the proxy's listener balances over, from {@code /status}. */
  public Set<String> proxyIds() throws Exception {
    Set<String> ids = new TreeSet<>();
    for (JsonNode listener : Proxies.status(proxyClient, proxy).path("listeners")) {
      for (JsonNode b : listener.path("backends")) {
        ids.add(b.path("id").asText());
      }
    }
    return ids;
  }

  /** The ids of the instances the in-app client's balancer of {@code demo} balances over (none before its first call). */
  public Set<String> clientIds() {
    Balancer b = keel.balancer(SERVICE);
    Set<String> ids = new TreeSet<>();
    if (b != null) {
      b.state().members().forEach(e -> ids.add(e.id()));
    }
    return ids;
  }

  /**
   * Waits until the registry (read raw), the proxy's listener and the client's balancer all hold
   * exactly {@code ids}: no stale instance and none missing.
   *
   * @return the milliseconds it took
   */
  public long awaitEverywhere(Duration within, Set<String> ids) {
    long start = System.nanoTime();
    await().atMost(within).untilAsserted(() -> {
      assertThat(registry.instanceIds(SERVICE)).as("%s holds", registry.name()).isEqualTo(ids);
      assertThat(proxyIds()).as("the proxy balances over").isEqualTo(ids);
      assertThat(clientIds()).as("the client balances over (%s)", clientState()).isEqualTo(ids);
    });
    return (System.nanoTime() - start) / 1_000_000;
  }

  /** The client's balancer of {@code demo} in short: members, available ones, panic; for messages. */
  public String clientState() {
    Balancer b = keel.balancer(SERVICE);
    if (b == null) {
      return "no balancer yet";
    }
    BalancerState s = b.state();
    return "members=" + s.members().stream().map(Endpoint::id).toList()
        + " available=" + s.available().stream().map(Endpoint::id).toList() + " panic=" + s.panic();
  }

  /** The proxy's {@code /status} JSON. */
  public String status() throws Exception {
    return Proxies.statusText(proxyClient, proxy);
  }

  @Override
  public void close() {
    toClose.close();
  }
}
