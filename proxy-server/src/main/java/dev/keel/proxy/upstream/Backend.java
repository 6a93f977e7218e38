package dev.keel.proxy.upstream;

import dev.keel.balancer.Endpoint;
import dev.keel.balancer.FailureKind;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The proxy's view of one balancer {@link Endpoint}: its resolved address, the upstream TCP
 * connections open to it, and the reports of requests picked on it. Lives as long as the endpoint
 * stays a member, so its keep-alive connections survive membership updates that keep it.
 *
 * <p>Thread-safe: called from every event loop without locks.
 */
public final class Backend {
  private final Endpoint endpoint;
  private final InetSocketAddress address;
  private final String addressText;
  private final String token;
  private final AtomicInteger connections = new AtomicInteger();
  private volatile boolean removed;

  Backend(Endpoint endpoint) {
    this.endpoint = endpoint;
    // Resolved once, when the instance appears, never on the request path.
    this.address = new InetSocketAddress(endpoint.instance().host(), endpoint.instance().port());
    this.addressText = endpoint.instance().host() + ":" + endpoint.instance().port();
    this.token = java.util.Base64.getUrlEncoder().withoutPadding()
        .encodeToString(endpoint.id().getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** The id in a cookie-safe form (base64url), as used by session persistence. */
  public String token() {
    return token;
  }

  public Endpoint endpoint() {
    return endpoint;
  }

  public String id() {
    return endpoint.id();
  }

  public InetSocketAddress address() {
    return address;
  }

  /** {@code host:port} as registered. */
  public String addressText() {
    return addressText;
  }

  public String host() {
    return endpoint.instance().host();
  }

  public int port() {
    return endpoint.instance().port();
  }

  public int weight() {
    return endpoint.weight();
  }

  public int inflight() {
    return endpoint.inFlight();
  }

  /** Upstream TCP connections open to this backend now. */
  public int connections() {
    return connections.get();
  }

  public long requests() {
    return endpoint.requests();
  }

  public long failures() {
    return endpoint.failures();
  }

  public double ewmaMillis() {
    return endpoint.peakEwmaNanos() / 1_000_000.0;
  }

  /** Up by active checks and not ejected by outlier detection. */
  public boolean healthy() {
    return endpoint.healthy() && !endpoint.ejected();
  }

  boolean removed() {
    return removed;
  }

  void markRemoved() {
    removed = true;
  }

  /** Ends a picked request with a response; {@code latencyNanos} from start to response head. */
  public void onSuccess(long latencyNanos) {
    endpoint.onSuccess(latencyNanos);
  }

  /** Ends a picked request with a failure. */
  public void onFailure(Outcome outcome) {
    endpoint.onFailure(kind(outcome));
  }

  /** Ends a picked request without a verdict on the backend (client gone, proxy refused it). */
  public void onCancel() {
    endpoint.release();
  }

  private static FailureKind kind(Outcome outcome) {
    switch (outcome) {
      case CONNECT:
        return FailureKind.CONNECT;
      case RESET:
        return FailureKind.RESET;
      case TIMEOUT:
        return FailureKind.TIMEOUT;
      default:
        return FailureKind.HTTP_5XX;
    }
  }

  void connectionOpened() {
    connections.incrementAndGet();
  }

  void connectionClosed() {
    connections.decrementAndGet();
  }

  @Override
  public String toString() {
    return endpoint.id() + "@" + addressText;
  }
}
