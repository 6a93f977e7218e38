package dev.keel.spring;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import okhttp3.OkHttpClient;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.ssl.NoSuchSslBundleException;
import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundles;

/** Applies a Spring SSL bundle ({@code keel.client.ssl-bundle}) to an OkHttp client's TLS settings. */
final class SslBundleTrust {
  private SslBundleTrust() {}

  static void apply(OkHttpClient.Builder builder, String name, @Nullable SslBundles bundles) {
    if (bundles == null) {
      throw new IllegalStateException("keel.client.ssl-bundle: '" + name
          + "' (expected: a bundle under spring.ssl.bundle, but the application has no SslBundles bean)");
    }
    SslBundle bundle;
    try {
      bundle = bundles.getBundle(name);
    } catch (NoSuchSslBundleException e) {
      throw new IllegalStateException("keel.client.ssl-bundle: '" + name
          + "' (expected: the name of a bundle under spring.ssl.bundle.jks or spring.ssl.bundle.pem)", e);
    }
    X509TrustManager trust = null;
    for (TrustManager tm : bundle.getManagers().getTrustManagers()) {
      if (tm instanceof X509TrustManager x) {
        trust = x;
        break;
      }
    }
    if (trust == null) {
      throw new IllegalStateException("keel.client.ssl-bundle: '" + name + "' (expected: a bundle with a trust store)");
    }
    SSLContext context = bundle.createSslContext();
    builder.sslSocketFactory(context.getSocketFactory(), trust);
  }
}
