package dev.keel.spring;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import okhttp3.OkHttpClient;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.ClientHttpRequest;
import org.springframework.http.client.ClientHttpRequestFactory;

/**
 * Spring's HTTP client abstraction over an {@link OkHttpClient}, for {@code RestClient} and {@code
 * RestTemplate}: with Keel installed on the client, {@code http://orders/...} is called by service
 * name.
 *
 * <pre>{@code
 * RestClient orders = RestClient.builder()
 *     .requestFactory(new KeelClientHttpRequestFactory(keelOkHttpClient))
 *     .baseUrl("http://orders")
 *     .build();
 * }</pre>
 *
 * Request bodies stream to OkHttp as Spring writes them; a body Spring marks repeatable can be sent
 * again by Keel's retries, others are sent at most once. Thread-safe. The client is not owned: it is
 * not shut down by this factory.
 */
public final class KeelClientHttpRequestFactory implements ClientHttpRequestFactory {
  private final OkHttpClient client;

  public KeelClientHttpRequestFactory(OkHttpClient client) {
    this.client = requireNonNull(client, "client");
  }

  @Override
  public ClientHttpRequest createRequest(URI uri, HttpMethod httpMethod) {
    return new OkHttpClientRequest(client, uri, httpMethod);
  }
}
