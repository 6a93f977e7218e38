package dev.keel.reliability.support;

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
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.apache.curator.test.TestingServer;

/**
 * ZooKeeper, backends registered as {@code demo} through Keel, a keel-proxy and a Keel OkHttp
 * client on the same registry. Closes everything it started, in reverse order.
 */
public final class Cluster implements AutoCloseable {
  public static final String SERVICE = "demo";
  private final Deque<AutoCloseable> toClose = new ArrayDeque<>();
  public final TestingServer zk;
  public final RegistryClient registrar;
  public final List<KillableBackend> backends = new ArrayList<>();
  public final Map<String, Registration> registrations = new ConcurrentHashMap<>();
  public final ProxyServer proxy;
  public final KeelOkHttp keel;
  public final OkHttpClient client;
  public final HttpClient proxyClient = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  public Cluster(int backendCount, String registryParams) throws Exception {
    zk = Zk.start();
    toClose.push(zk);
    String uri = Zk.uri(zk, registryParams);
    registrar = Registries.open(Zk.uri(zk, ""));
    toClose.push(registrar);
    for (int i = 0; i < backendCount; i++) {
      addBackend("b" + i);
    }
    proxy = Proxies.start(uri);
    toClose.push(() -> proxy.close(Duration.ofMillis(500)));
    RegistryClient clientRegistry = Registries.open(uri);
    toClose.push(clientRegistry);
    keel = KeelOkHttp.create(clientRegistry);
    toClose.push(keel);
    client = keel.install(new OkHttpClient.Builder().connectTimeout(Duration.ofSeconds(2))
        .readTimeout(Duration.ofSeconds(5))).build();
    toClose.push(() -> {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    });
  }

  public KillableBackend addBackend(String name) throws IOException {
    KillableBackend b = KillableBackend.start(name);
    toClose.push(b);
    backends.add(b);
    register(b);
    return b;
  }

  public void register(KillableBackend b) {
    registrations.put(b.name(), registrar.register(ServiceInstance.builder().service(SERVICE).id(b.name())
        .host("127.0.0.1").port(b.port()).build()));
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

  /** The proxy's {@code /status} JSON. */
  public String status() throws Exception {
    return proxyClient.send(HttpRequest.newBuilder(Proxies.adminUri(proxy, "/status")).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  @Override
  public void close() {
    RuntimeException first = null;
    while (!toClose.isEmpty()) {
      try {
        toClose.pop().close();
      } catch (Exception e) {
        if (first == null) {
          first = new IllegalStateException("closing the cluster", e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
