package dev.keel.spring;

import okhttp3.OkHttpClient;
import org.springframework.beans.factory.DisposableBean;

/**
 * Releases what an {@link OkHttpClient} made by the starter holds when the context closes: idle
 * pooled connections, and the dispatcher's threads (which only asynchronous calls start).
 */
final class OkHttpClientShutdown implements DisposableBean {
  private final OkHttpClient client;

  OkHttpClientShutdown(OkHttpClient client) {
    this.client = client;
  }

  @Override
  public void destroy() {
    client.dispatcher().executorService().shutdown();
    client.connectionPool().evictAll();
  }
}
