package dev.keel.spring;

import okhttp3.OkHttpClient;

/**
 * Adjusts the {@code keelOkHttpClient} bean before Keel is installed on it: interceptors, a
 * connection pool, an event listener, TLS settings ({@code sslSocketFactory}, {@code
 * hostnameVerifier}) or a {@code Dns}. Keel wraps the last three afterwards, so HTTPS calls by
 * service name verify with the trust and verifier set here. Beans of this type run in {@code
 * @Order}.
 */
@FunctionalInterface
public interface KeelOkHttpClientCustomizer {
  void customize(OkHttpClient.Builder builder);
}
