package dev.keel.proxy.tls;

import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLException;

/**
 * Builds Netty TLS contexts from {@link ServerTls} and {@link UpstreamTls}: TLS 1.3 and 1.2 only,
 * the {@link CipherPolicy}, files read once through {@link Pem} and checked (a key that does not
 * belong to its certificate is refused here, not at the first handshake). JDK or OpenSSL provider
 * as Netty finds.
 */
public final class TlsContexts {
  private TlsContexts() {}

  /**
   * The context of a listener that terminates TLS.
   *
   * @throws TlsFileException naming the key ({@code tls.cert}, {@code tls.key},
   *     {@code tls.client-ca}) and the file when one cannot be used
   */
  public static SslContext server(ServerTls tls) {
    return server(tls, List.of());
  }

  /**
   * The context of a listener that terminates TLS and offers {@code alpn} (in its order of
   * preference, e.g. {@code h2, http/1.1}); a client that offers none of them is still served, by
   * the protocol its listener falls back to.
   *
   * @throws TlsFileException as {@link #server(ServerTls)}
   */
  public static SslContext server(ServerTls tls, List<String> alpn) {
    List<X509Certificate> chain = certificates("tls.cert", tls.cert());
    PrivateKey key = key("tls.key", tls.key(), "tls.cert", tls.cert(), chain.get(0));
    SslContextBuilder b = SslContextBuilder.forServer(key, chain)
        .protocols(CipherPolicy.PROTOCOLS)
        .ciphers(tls.ciphers(), SupportedCipherSuiteFilter.INSTANCE);
    if (tls.clientAuth() != ServerTls.ClientAuth.NONE) {
      b.clientAuth(tls.clientAuth() == ServerTls.ClientAuth.REQUIRE ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL)
          .trustManager(certificates("tls.client-ca", java.util.Objects.requireNonNull(tls.clientCa(), "clientCa")));
    }
    if (!alpn.isEmpty()) {
      b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
          ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
          ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, alpn));
    }
    return build(b, "tls");
  }

  /**
   * The context for connections to instances.
   *
   * @throws TlsFileException naming the key ({@code upstream.ca}, {@code upstream.cert},
   *     {@code upstream.key}) and the file when one cannot be used
   */
  public static SslContext upstream(UpstreamTls tls) {
    SslContextBuilder b = SslContextBuilder.forClient()
        .protocols(CipherPolicy.PROTOCOLS)
        .ciphers(CipherPolicy.DEFAULT, SupportedCipherSuiteFilter.INSTANCE);
    if (!tls.verify()) {
      b.trustManager(InsecureTrustManagerFactory.INSTANCE).endpointIdentificationAlgorithm(null);
    } else {
      // The name given to newHandler (the instance's host, or upstream.server-name) is verified.
      b.endpointIdentificationAlgorithm("HTTPS");
      String ca = tls.ca();
      if (ca != null) {
        b.trustManager(certificates("upstream.ca", ca));
      }
    }
    if (!tls.alpn().isEmpty()) {
      // HTTP/2 over TLS: only what is offered; an instance that chooses nothing is refused by the
      // connection (H2AlpnCheck), not spoken to in a protocol it did not agree to
      b.applicationProtocolConfig(new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
          ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
          ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT, tls.alpn()));
    }
    String cert = tls.cert();
    String key = tls.key();
    if (cert != null && key != null) {
      List<X509Certificate> chain = certificates("upstream.cert", cert);
      b.keyManager(key("upstream.key", key, "upstream.cert", cert, chain.get(0)), chain);
    }
    return build(b, "upstream");
  }

  private static List<X509Certificate> certificates(String field, String file) {
    try {
      return Pem.certificates(Path.of(file));
    } catch (IllegalArgumentException e) {
      throw new TlsFileException(field, String.valueOf(e.getMessage()), e);
    }
  }

  private static PrivateKey key(String field, String file, String certField, String certFile, X509Certificate cert) {
    PrivateKey key;
    try {
      key = Pem.privateKey(Path.of(file));
    } catch (IllegalArgumentException e) {
      throw new TlsFileException(field, String.valueOf(e.getMessage()), e);
    }
    if (!Pem.matches(key, cert)) {
      throw new TlsFileException(field, "'" + file + "' (expected: the private key of the certificate in "
          + certField + " '" + certFile + "'; it is another key)", null);
    }
    return key;
  }

  private static SslContext build(SslContextBuilder b, String what) {
    try {
      return b.build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": cannot build the TLS context: " + e.getMessage(), e);
    }
  }
}
