package dev.keel.examples.services.storefront;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.keel.balancer.BalancerConfig;
import dev.keel.balancer.HealthChecker;
import dev.keel.client.KeelOkHttp;
import dev.keel.client.ServicePolicy;
import dev.keel.examples.services.ParentWatch;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Service {@code storefront}: plain Java, no Spring. A JDK HTTP server that registers itself through
 * Keel's registry API and calls {@code orders} by name through {@link KeelOkHttp}.
 *
 * <p>{@code java ... Storefront <registry-uri> <port> <instance-name>}; stops on SIGTERM, closing
 * (in this order) the server, the client and the registry, which deregisters it.
 */
public final class Storefront {
  private Storefront() {}

  public static void main(String[] args) throws Exception {
    ParentWatch.start();
    String registryUri = args[0];
    int port = Integer.parseInt(args[1]);
    String instance = args[2];
    // orders instances are checked every second and come back quickly after a restart.
    ServicePolicy orders = ServicePolicy.builder()
        .balancerConfig(BalancerConfig.builder().healthInterval(Duration.ofSeconds(1))
            .outlierBaseEjectionTime(Duration.ofSeconds(2)).build())
        .healthChecker(HealthChecker.tcp())
        .build();
    CountDownLatch stopped = new CountDownLatch(1);
    try (RegistryClient registry = Registries.open(registryUri);
         KeelOkHttp keel = KeelOkHttp.builder(registry).service("orders", orders).build()) {
      OkHttpClient http = keel.newClient();
      ExecutorService pool = Executors.newFixedThreadPool(8);
      HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 64);
      server.setExecutor(pool);
      server.createContext("/buy/", exchange -> buy(exchange, http, instance));
      server.start();
      registry.register(ServiceInstance.builder().service("storefront").id(instance)
          .host("127.0.0.1").port(port).build());
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        server.stop(0);
        pool.shutdown();
        stopped.countDown();
      }, "storefront-stop"));
      stopped.await();
    }
  }

  private static void buy(HttpExchange exchange, OkHttpClient http, String instance) throws IOException {
    String sku = exchange.getRequestURI().getPath().substring("/buy/".length());
    int status;
    String body;
    try (Response r = http.newCall(new Request.Builder().url("http://orders/orders/" + sku).build()).execute()) {
      status = r.isSuccessful() ? 200 : 502;
      body = instance + " > " + r.body().string();
    } catch (IOException e) {
      status = 502;
      body = instance + ": orders failed: " + e; // the exception says which service and why
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
