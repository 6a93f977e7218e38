package dev.keel.proxy.tls;

import dev.keel.proxy.config.ListenerConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.File;
import javax.net.ssl.SSLException;

/** Builds TLS contexts: TLS 1.3 and 1.2 only, JDK or OpenSSL provider as Netty finds. */
public final class TlsContexts {
  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private TlsContexts() {}

  /**
   * The server context of a listener.
   *
   * @throws IllegalArgumentException naming the listener and files when they cannot be used
   */
  public static SslContext server(String listener, ListenerConfig.Tls tls) {
    try {
      return SslContextBuilder.forServer(new File(tls.cert()), new File(tls.key())).protocols(PROTOCOLS).build();
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException("listener '" + listener + "': tls: cannot use cert '" + tls.cert()
          + "' and key '" + tls.key() + "' (expected: PEM certificate chain and PEM PKCS#8 key): " + e.getMessage(), e);
    }
  }

  /** The client context for upstream TLS; {@code verify} false trusts any certificate. */
  public static SslContext client(boolean verify) {
    return client(verify, false);
  }

  /**
   * The client context for upstream TLS; {@code verify} false trusts any certificate; {@code h2}
   * offers only {@code h2} by ALPN (HTTP/2 over TLS: an instance that does not choose it is refused
   * by the connection).
   */
  public static SslContext client(boolean verify, boolean h2) {
    try {
      SslContextBuilder b = SslContextBuilder.forClient().protocols(PROTOCOLS);
      if (!verify) {
        b.trustManager(InsecureTrustManagerFactory.INSTANCE);
      }
      if (h2) {
        b.applicationProtocolConfig(new io.netty.handler.ssl.ApplicationProtocolConfig(
            io.netty.handler.ssl.ApplicationProtocolConfig.Protocol.ALPN,
            io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
            io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
            io.netty.handler.ssl.ApplicationProtocolNames.HTTP_2));
      }
      return b.build();
    } catch (SSLException e) {
      throw new IllegalStateException("upstream tls: " + e.getMessage(), e);
    }
  }
}
