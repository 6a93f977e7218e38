package dev.keel.client.internal;

import dev.keel.client.internal.InstanceTargets.Target;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import javax.net.ssl.HostnameVerifier;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.X509TrustManager;
import okhttp3.ConnectionSpec;
import okhttp3.Dns;
import okhttp3.OkHttpClient;

/**
 * The three places where OkHttp uses an {@code https} URL's host, wrapped so that Keel's
 * per-instance names ({@link InstanceTargets}) mean the instance's address for connecting and the
 * service's TLS name for the handshake. Every other host goes to what the application configured,
 * unchanged.
 *
 * <ul>
 *   <li>{@link Dns}: a Keel name resolves to its instance's address (an IP literal without a lookup,
 *       a host name through the application's {@code Dns}).
 *   <li>{@link HostnameVerifier}: the application's verifier (OkHttp's by default) is asked about
 *       the TLS name, never about the instance's address.
 *   <li>{@link SSLSocketFactory}: the TLS name is sent as SNI; the JDK would not send a single-label
 *       name such as {@code orders} on its own.
 * </ul>
 *
 * A Keel name that is unknown (dropped, or made by another client) fails closed: it does not
 * resolve and does not verify.
 */
final class TlsByName {
  private TlsByName() {}

  /**
   * Wraps the Dns, the verifier and (when the client speaks TLS) the socket factory of {@code
   * builder}, whose current settings {@code current} shows.
   */
  static void install(OkHttpClient.Builder builder, OkHttpClient current, InstanceTargets targets) {
    NameMapping names = new NameMapping(targets, current.dns(), current.hostnameVerifier());
    builder.dns(names);
    builder.hostnameVerifier(names);
    boolean tls = current.connectionSpecs().stream().anyMatch(ConnectionSpec::isTls);
    if (tls) {
      X509TrustManager trust = current.x509TrustManager();
      if (trust == null) {
        throw new IllegalStateException("sslSocketFactory: set without an X509TrustManager (expected: "
            + "OkHttpClient.Builder.sslSocketFactory(factory, trustManager), which Keel needs to wrap it)");
      }
      builder.sslSocketFactory(new SniSocketFactory(targets, current.sslSocketFactory()), trust);
    }
  }

  /** Keel names to the instance's address ({@link Dns}) and to the TLS name ({@link HostnameVerifier}). */
  private static final class NameMapping implements Dns, HostnameVerifier {
    private final InstanceTargets targets;
    private final Dns dns;
    private final HostnameVerifier verifier;

    NameMapping(InstanceTargets targets, Dns dns, HostnameVerifier verifier) {
      this.targets = targets;
      this.dns = dns;
      this.verifier = verifier;
    }

    @Override
    public List<InetAddress> lookup(String hostname) throws UnknownHostException {
      if (!InstanceTargets.isKeelHost(hostname)) {
        return dns.lookup(hostname);
      }
      Target t = targets.lookup(hostname);
      if (t == null) {
        throw new UnknownHostException(hostname + ": not an instance this Keel client is calling");
      }
      String host = t.instanceHost;
      boolean literal = host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
      // A literal is parsed, not looked up; a name goes through the application's Dns.
      return literal ? Arrays.asList(InetAddress.getAllByName(host)) : dns.lookup(host);
    }

    @Override
    public boolean verify(String hostname, SSLSession session) {
      if (!InstanceTargets.isKeelHost(hostname)) {
        return verifier.verify(hostname, session);
      }
      Target t = targets.lookup(hostname);
      return t != null && verifier.verify(t.tlsName, session);
    }
  }

  /** Sends the TLS name as SNI on sockets to Keel names; other sockets are left as they are. */
  private static final class SniSocketFactory extends SSLSocketFactory {
    private final InstanceTargets targets;
    private final SSLSocketFactory delegate;

    SniSocketFactory(InstanceTargets targets, SSLSocketFactory delegate) {
      this.targets = targets;
      this.delegate = delegate;
    }

    @Override
    public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
      Socket socket = delegate.createSocket(s, host, port, autoClose);
      Target t = InstanceTargets.isKeelHost(host) ? targets.lookup(host) : null;
      if (t != null && socket instanceof SSLSocket ssl) {
        SSLParameters params = ssl.getSSLParameters();
        params.setServerNames(List.of(new SNIHostName(t.tlsName)));
        ssl.setSSLParameters(params);
      }
      return socket;
    }

    @Override
    public String[] getDefaultCipherSuites() {
      return delegate.getDefaultCipherSuites();
    }

    @Override
    public String[] getSupportedCipherSuites() {
      return delegate.getSupportedCipherSuites();
    }

    @Override
    public Socket createSocket() throws IOException {
      return delegate.createSocket();
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      return delegate.createSocket(host, port);
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
      return delegate.createSocket(host, port, localHost, localPort);
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      return delegate.createSocket(host, port);
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
        throws IOException {
      return delegate.createSocket(address, port, localAddress, localPort);
    }
  }
}
