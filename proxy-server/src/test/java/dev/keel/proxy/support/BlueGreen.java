package dev.keel.proxy.support;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/**
 * Two services, {@code blue} and {@code green}, one backend each, registered in a fresh
 * {@code memory://} registry: a reload that switches a listener from one to the other shows in
 * every answer. Plus the requests reload tests make. Closing closes the backends and the registry.
 */
public final class BlueGreen implements AutoCloseable {
  public final TestBackend blue;
  public final TestBackend green;
  public final String registryUri;
  private final RegistryClient registry;

  public BlueGreen(String name) throws IOException {
    blue = new TestBackend("blue");
    green = new TestBackend("green");
    registryUri = "memory://" + name + "-" + System.nanoTime();
    registry = Registries.open(registryUri);
    for (TestBackend b : new TestBackend[] {blue, green}) {
      registry.register(ServiceInstance.builder().service(b.name()).host("127.0.0.1").port(b.port()).build());
    }
  }

  /** The body of {@code GET /} on a new connection to {@code port} (with TLS when {@code tls} is not null). */
  public static HttpResponse<String> get(int port, SSLContext tls) throws IOException, InterruptedException {
    HttpClient.Builder b = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5));
    if (tls != null) {
      b.sslContext(tls);
    }
    URI uri = URI.create((tls == null ? "http" : "https") + "://127.0.0.1:" + port + "/");
    return b.build().send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    registry.close();
    blue.close();
    green.close();
  }
}
