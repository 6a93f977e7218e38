package dev.keel.proxy.tls;

import org.jspecify.annotations.Nullable;

/**
 * TLS towards instances. Immutable; the files are read by {@link TlsMaterial#load}.
 *
 * @param verify verify the instance's certificate chain and name (off only for tests)
 * @param ca PEM file of the CAs to trust instead of the JVM's trust store; null: the JVM's
 * @param serverName the name sent as SNI and verified against the instance's certificate; null:
 *     the instance's host as registered (an IP address is then verified against the
 *     certificate's IP SANs, and no SNI is sent)
 * @param cert PEM client certificate chain presented to instances that ask (mTLS); null: none
 * @param key PEM PKCS#8 private key of {@code cert}; set exactly when {@code cert} is
 */
public record UpstreamTls(boolean verify, @Nullable String ca, @Nullable String serverName, @Nullable String cert,
    @Nullable String key) {
  public UpstreamTls {
    if ((cert == null) != (key == null)) {
      throw new IllegalArgumentException((cert == null ? "key" : "cert") + ": given without "
          + (cert == null ? "cert" : "key") + " (expected: both, or neither)");
    }
  }

  /** TLS verified against the JVM's trust store and the instance's host, no client certificate. */
  public static UpstreamTls verified() {
    return new UpstreamTls(true, null, null, null, null);
  }
}
