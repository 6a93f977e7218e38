package dev.keel.balancer.internal;

import static java.util.Objects.requireNonNull;

import dev.keel.balancer.HealthChecker;
import dev.keel.registry.ServiceInstance;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/** HTTP GET check with {@code java.net.http}: 2xx and 3xx pass; the body is discarded. */
public final class HttpHealthChecker implements HealthChecker {
  private static final HttpClient CLIENT = HttpClient.newBuilder()
      .executor(Threads.SHARED)
      .followRedirects(HttpClient.Redirect.NEVER)
      .version(HttpClient.Version.HTTP_1_1)
      .build();

  private final String path;

  public HttpHealthChecker(String path) {
    requireNonNull(path, "path");
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException("path: '" + path + "' (expected: starting with '/')");
    }
    this.path = path;
  }

  @Override
  public CompletionStage<Boolean> check(ServiceInstance instance, Duration timeout) {
    String host = instance.host().contains(":") ? "[" + instance.host() + "]" : instance.host();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host + ":" + instance.port() + path))
        .timeout(timeout)
        .GET()
        .build();
    return CLIENT.sendAsync(request, HttpResponse.BodyHandlers.discarding())
        .handle((response, error) -> error == null && response.statusCode() >= 200 && response.statusCode() < 400);
  }
}
