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
 * @param alpn the protocols offered by ALPN, in order ({@code h2} for {@code upstream.protocol: h2});
 *     empty: no ALPN
 */
public record UpstreamTls(boolean verify, @Nullable String ca, @Nullable String serverName, @Nullable String cert,
    @Nullable String key, java.util.List<String> alpn) {
  public UpstreamTls {
    if ((cert == null) != (key == null)) {
      throw new IllegalArgumentException((cert == null ? "key" : "cert") + ": given without "
          + (cert == null ? "cert" : "key") + " (expected: both, or neither)");
    }
    alpn = java.util.List.copyOf(alpn);
  }

  /** Without ALPN. */
  public UpstreamTls(boolean verify, @Nullable String ca, @Nullable String serverName, @Nullable String cert,
      @Nullable String key) {
    this(verify, ca, serverName, cert, key, java.util.List.of());
  }

  /** The same TLS, offering {@code protocols} by ALPN. */
  public UpstreamTls withAlpn(java.util.List<String> protocols) {
    return new UpstreamTls(verify, ca, serverName, cert, key, protocols);
  }

  /** TLS verified against the JVM's trust store and the instance's host, no client certificate. */
  public static UpstreamTls verified() {
    return new UpstreamTls(true, null, null, null, null);
  }
}
