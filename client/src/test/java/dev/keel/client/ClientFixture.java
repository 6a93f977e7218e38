package dev.keel.client;

import dev.keel.balancer.Balancer;
import dev.keel.balancer.Endpoint;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;

/** Real servers registered in a fresh {@code memory://} registry, and clients; closes all it made. */
final class ClientFixture {
  final RegistryClient registry = Registries.open("memory://client-test-" + UUID.randomUUID());
  private final Deque<AutoCloseable> toClose = new ArrayDeque<>();

  /** Starts servers with these ids and registers them as {@code service}. */
  List<TestServer> servers(String service, String... ids) throws IOException {
    List<TestServer> out = new ArrayList<>();
    for (String id : ids) {
      TestServer s = TestServer.start(id);
      toClose.push(s);
      registry.register(s.instance(service));
      out.add(s);
    }
    return out;
  }

  KeelOkHttp keel(KeelOkHttp.Builder builder) {
    KeelOkHttp keel = builder.build();
    toClose.push(keel);
    return keel;
  }

  OkHttpClient http(KeelOkHttp keel) {
    return http(keel, b -> {});
  }

  OkHttpClient http(KeelOkHttp keel, Consumer<OkHttpClient.Builder> settings) {
    OkHttpClient.Builder builder = new OkHttpClient.Builder()
        .connectTimeout(Duration.ofSeconds(2))
        .readTimeout(Duration.ofSeconds(5));
    settings.accept(builder);
    OkHttpClient client = keel.install(builder).build();
    toClose.push(() -> {
      client.dispatcher().executorService().shutdown();
      client.connectionPool().evictAll();
    });
    return client;
  }

  static Response get(OkHttpClient http, String url) throws IOException {
    return http.newCall(new Request.Builder().url(url).build()).execute();
  }

  /** GETs {@code url} and returns the body (the answering server's id); fails on a non-2xx. */
  static String body(OkHttpClient http, String url) throws IOException {
    try (Response r = get(http, url)) {
      ResponseBody b = r.body();
      if (!r.isSuccessful() || b == null) {
        throw new IOException("HTTP " + r.code());
      }
      return b.string();
    }
  }

  static Response post(OkHttpClient http, String url, String body) throws IOException {
    return http.newCall(new Request.Builder().url(url)
        .post(RequestBody.create(body, okhttp3.MediaType.get("text/plain"))).build()).execute();
  }

  /** Requests in flight over every member of {@code balancer}. */
  static int inFlight(Balancer balancer) {
    int n = 0;
    for (Endpoint e : balancer.state().members()) {
      n += e.inFlight();
    }
    return n;
  }

  /** Closes, newest first, everything this fixture made, then the registry. */
  void closeAll() throws Exception {
    while (!toClose.isEmpty()) {
      toClose.pop().close();
    }
    registry.close();
  }
}
