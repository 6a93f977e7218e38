package dev.keel.proxy.upstream;

import dev.keel.balancer.AttachmentKey;
import dev.keel.balancer.Endpoint;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The proxy's data for one balancer {@link Endpoint}, attached to it ({@link #of}): its resolved
 * address, its persistence token, the upstream TCP connections open to it (HTTP/1.1 or HTTP/2) and
 * the HTTP/2 streams running on them. Made once per
 * endpoint and kept as long as the endpoint state, so its keep-alive connections survive membership
 * updates that keep the endpoint, and no map of the proxy has to be kept in step with the balancer.
 *
 * <p>A request picked on a backend is reported on {@link #endpoint()}, in the balancer's words
 * ({@code onSuccess}, {@code onFailure(FailureKind)}, {@code release}).
 *
 * <p>Thread-safe: called from every event loop without locks.
 */
public final class Backend {
  /** The longest token decoded: far above any registry id, and bounds the work a cookie can ask for. */
  static final int MAX_TOKEN = 1024;
  private static final AttachmentKey<Backend> KEY = AttachmentKey.create("keel-proxy backend", Backend::new);

  private final Endpoint endpoint;
  private final InetSocketAddress address;
  private final String addressText;
  private final String token;
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger streams = new AtomicInteger();
  // the service's timeouts.connect, set by its picker (an endpoint belongs to one balancer); 0: not yet
  private volatile int connectTimeoutMillis;

  private Backend(Endpoint endpoint) {
    this.endpoint = endpoint;
    // Resolved once per endpoint, when the balancer publishes it (UpstreamPicker warms the
    // attachment on the balancer's executor), never on the request path.
    this.address = new InetSocketAddress(endpoint.instance().host(), endpoint.instance().port());
    this.addressText = endpoint.instance().host() + ":" + endpoint.instance().port();
    this.token = Base64.getUrlEncoder().withoutPadding().encodeToString(endpoint.id().getBytes(StandardCharsets.UTF_8));
  }

  /** The backend of {@code endpoint}: made on first use, then always the same object. */
  public static Backend of(Endpoint endpoint) {
    return endpoint.attachment(KEY);
  }

  /**
   * The instance id a persistence token names ({@link #token()} decoded), or null when the token
   * cannot be one (empty, longer than {@value #MAX_TOKEN} characters, not base64url): a malformed
   * cookie pins nothing. An id that names no available instance pins nothing either; the balancer
   * decides that.
   */
  public static @Nullable String instanceId(CharSequence token) {
    if (token.length() == 0 || token.length() > MAX_TOKEN) {
      return null;
    }
    try {
      return new String(Base64.getUrlDecoder().decode(token.toString()), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** The id in a cookie-safe form (base64url), as used by session persistence; see {@link #instanceId}. */
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

  /** {@code timeouts.connect} of the service this backend belongs to, in milliseconds; 0 when not known yet. */
  public int connectTimeoutMillis() {
    return connectTimeoutMillis;
  }

  /** Called by the backend's picker with each pick: every call gives the same value, so only the first writes. */
  void connectTimeoutMillis(int millis) {
    if (connectTimeoutMillis != millis) {
      connectTimeoutMillis = millis;
    }
  }

  /** Upstream TCP connections open to this backend now, whatever the protocol on them. */
  public int connections() {
    return connections.get();
  }

  /** HTTP/2 streams running on the upstream connections to this backend now. */
  public int streams() {
    return streams.get();
  }

  public long requests() {
    return endpoint.requests();
  }

  public long failures() {
    return endpoint.failures();
  }

  /**
   * What the instance typically takes to answer, in milliseconds: the average (EWMA) of the
   * latencies reported, each from the request's last byte sent to the response head, as a client
   * sending to the instance directly would measure it. {@code /status}'s {@code ewmaMillis}.
   */
  public double ewmaMillis() {
    return endpoint.latencyEwmaNanos() / 1_000_000.0;
  }

  /**
   * The balancer's peak-EWMA cost in milliseconds ({@code least-response-time}): jumps to any slower
   * answer and decays over the time constant, so it reads as a recent maximum. {@code /status}'s
   * {@code peakEwmaMillis}.
   */
  public double peakEwmaMillis() {
    return endpoint.peakEwmaNanos() / 1_000_000.0;
  }

  /** Up by active checks and not ejected by outlier detection. */
  public boolean healthy() {
    return endpoint.healthy() && !endpoint.ejected();
  }

  /** True once the instance left discovery: its connections are not pooled any more. */
  public boolean removed() {
    return !endpoint.member();
  }

  /** A connection to this backend became active (called by the upstream connections, once each). */
  public void connectionOpened() {
    connections.incrementAndGet();
  }

  /** A connection counted by {@link #connectionOpened()} closed. */
  public void connectionClosed() {
    connections.decrementAndGet();
  }

  /** An HTTP/2 stream started on a connection to this backend. */
  public void streamOpened() {
    streams.incrementAndGet();
  }

  /** A stream counted by {@link #streamOpened()} ended. */
  public void streamClosed() {
    streams.decrementAndGet();
  }

  @Override
  public String toString() {
    return endpoint.id() + "@" + addressText;
  }
}
