package dev.keel.client.internal;

import dev.keel.registry.ServiceInstance;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLPeerUnverifiedException;
import okhttp3.HttpUrl;
import okhttp3.Request;
import org.jspecify.annotations.Nullable;

/**
 * Where an attempt is sent: the URL OkHttp connects to for a picked instance.
 *
 * <p>{@code http}: the URL's host and port become the instance's.
 *
 * <p>{@code https}: OkHttp verifies the certificate against the URL's host, sends that host as SNI
 * and pools connections by it, so neither the service name nor the instance's address can be the
 * URL's host. It becomes a name Keel makes for the pair (instance, TLS name), such as {@code
 * 10-0-0-7.orders.keel.invalid} ({@code .invalid} is reserved, RFC 6761 §6.4: no DNS answers it), and
 * {@link TlsByName} maps it back: its {@code Dns} to the instance's address, its {@code
 * HostnameVerifier} to the TLS name, its socket factory sends the TLS name as SNI. One name per
 * instance keeps the balancer's pick (with the service name as the host OkHttp would reuse any
 * instance's pooled connection); one per TLS name keeps a connection verified for one service from
 * carrying calls to another service registered at the same address.
 *
 * <p>The names are kept while used: one not used for 10 minutes is dropped (OkHttp needs it only
 * while it connects, which happens within the attempt that made it current). Thread-safe.
 */
final class InstanceTargets {
  static final String SUFFIX = ".keel.invalid";
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final long IDLE_NANOS = TimeUnit.MINUTES.toNanos(10);
  private static final long SWEEP_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final ConcurrentHashMap<String, Target> byHost = new ConcurrentHashMap<>();
  private final LongSupplier nanoTime;
  private final AtomicLong lastSweep;

  InstanceTargets(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
    this.lastSweep = new AtomicLong(nanoTime.getAsLong());
  }

  /** An instance, and the name its certificate must be valid for. */
  static final class Target {
    final String tlsName;
    final String instanceHost;
    volatile long lastUsed;

    Target(String tlsName, String instanceHost) {
      this.tlsName = tlsName;
      this.instanceHost = instanceHost;
    }
  }

  /**
   * Points {@code attempt} at {@code instance}: its URL, and for {@code https} the {@code Host}
   * header (the TLS name, as SNI says, unless the request sets one).
   *
   * @param tlsName the checked TLS name of the service; used only for {@code https}
   */
  void point(Request.Builder attempt, Request request, ServiceInstance instance, String tlsName) throws IOException {
    HttpUrl url = request.url();
    if (!url.isHttps()) {
      attempt.url(url.newBuilder().host(instance.host()).port(instance.port()).build());
      return;
    }
    attempt.url(url.newBuilder().host(hostFor(tlsName, instance.host())).port(instance.port()).build());
    if (request.header("Host") == null) {
      attempt.header("Host", instance.port() == 443 ? tlsName : tlsName + ":" + instance.port());
    }
  }

  /** The target of a name made by {@link #point}, or null when {@code host} is not one (or was dropped). */
  @Nullable Target lookup(String host) {
    return host.endsWith(SUFFIX) ? byHost.get(host) : null;
  }

  static boolean isKeelHost(String host) {
    return host.endsWith(SUFFIX);
  }

  private String hostFor(String tlsName, String instanceHost) throws IOException {
    String host = label(instanceHost) + "." + tlsName + SUFFIX;
    long now = nanoTime.getAsLong();
    Target t = byHost.get(host);
    if (t == null) {
      sweep(now);
      t = byHost.computeIfAbsent(host, h -> new Target(tlsName, instanceHost));
    }
    if (!t.instanceHost.equals(instanceHost)) {
      // Two instance hosts whose 96-bit digests agree: refuse rather than dial the other one.
      throw new IOException("instance host '" + instanceHost + "' and '" + t.instanceHost
          + "' map to one name (" + host + "); cannot call it over HTTPS");
    }
    t.lastUsed = now;
    return host;
  }

  /** IPv4 addresses stay readable ({@code 10-0-0-7}); other hosts become a digest label ({@code h...}). */
  private static String label(String instanceHost) {
    if (IPV4.matcher(instanceHost).matches()) {
      return instanceHost.replace('.', '-');
    }
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(instanceHost.getBytes(StandardCharsets.UTF_8));
      return "h" + HexFormat.of().formatHex(digest, 0, 12);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  private void sweep(long now) {
    long last = lastSweep.get();
    if (now - last < SWEEP_EVERY_NANOS || !lastSweep.compareAndSet(last, now)) {
      return;
    }
    byHost.values().removeIf(t -> now - t.lastUsed > IDLE_NANOS);
  }

  /** How many names are kept (for tests). */
  int size() {
    return byHost.size();
  }

  /**
   * {@code e} with the service, the instance and the expected name in its message when it is a TLS
   * failure of an {@code https} attempt (same type, so it is classified alike; the original is the
   * cause); otherwise {@code e} itself.
   */
  static IOException explain(IOException e, Request attempt, String service, ServiceInstance instance, String tlsName) {
    if (!attempt.url().isHttps()) {
      return e;
    }
    String where = service + ": instance " + instance.host() + ":" + instance.port() + " (" + instance.id() + ")";
    String expected = "'" + tlsName + "'" + (tlsName.equals(service) ? " (the service name)" : " (its tlsServerName)");
    IOException explained;
    if (e instanceof SSLPeerUnverifiedException) {
      explained = new SSLPeerUnverifiedException(where + " presented a certificate that is not valid for " + expected
          + "; refused. " + e.getMessage());
    } else if (e instanceof SSLHandshakeException) {
      explained = new SSLHandshakeException(where + ": TLS handshake failed while verifying " + expected + ": "
          + e.getMessage());
    } else {
      return e;
    }
    explained.initCause(e);
    return explained;
  }
}
