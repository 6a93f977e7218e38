package dev.keel.examples;

import com.sun.net.httpserver.HttpServer;
import dev.keel.client.KeelOkHttp;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Calls a service by name: starts two tiny HTTP servers on loopback, registers them as service
 * {@code hello} in an in-process registry, and calls {@code http://hello/greet} through OkHttp with
 * Keel installed, then prints how the calls were split.
 *
 * <pre>
 * mvn -B -q -pl examples -am package -DskipTests -Pexample
 * </pre>
 */
public final class CallByName {
  private CallByName() {}

  public static void main(String[] args) throws Exception {
    run(args.length > 0 ? Integer.parseInt(args[0]) : 100, System.out);
  }

  /** Makes {@code calls} calls and prints the split to {@code out}. */
  static void run(int calls, PrintStream out) throws Exception {
    // The JDK's server leaves Nagle's algorithm on unless told; with delayed ACKs each exchange
    // would wait tens of milliseconds.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    HttpServer one = backend("hello-1");
    HttpServer two = backend("hello-2");
    try (RegistryClient registry = Registries.open("memory://call-by-name");
         KeelOkHttp keel = KeelOkHttp.create(registry)) {
      registry.register(instance("hello-1", one));
      registry.register(instance("hello-2", two));

      OkHttpClient http = keel.newClient(); // the one line: http://<service>/... is now balanced
      Map<String, Integer> split = new TreeMap<>();
      for (int i = 0; i < calls; i++) {
        Request request = new Request.Builder().url("http://hello/greet").build();
        try (Response response = http.newCall(request).execute()) {
          split.merge(response.body().string(), 1, Integer::sum);
        }
      }
      out.println("called http://hello/greet " + calls + " times");
      split.forEach((server, n) -> out.println("  " + server + ": " + n));
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    } finally {
      one.stop(0);
      two.stop(0);
    }
  }

  private static ServiceInstance instance(String id, HttpServer server) {
    return ServiceInstance.builder().service("hello").id(id)
        .host("127.0.0.1").port(server.getAddress().getPort()).build();
  }

  /** A server on a free loopback port that answers every request with its name. */
  private static HttpServer backend(String name) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    byte[] body = name.getBytes(StandardCharsets.UTF_8);
    server.createContext("/", exchange -> {
      exchange.getRequestBody().readAllBytes();
      exchange.sendResponseHeaders(200, body.length);
      try (OutputStream os = exchange.getResponseBody()) {
        os.write(body);
      }
    });
    server.start();
    return server;
  }
}
