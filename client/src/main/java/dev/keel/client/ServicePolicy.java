package dev.keel.client;

import static java.util.Objects.requireNonNull;

import dev.keel.balancer.BalancerConfig;
import dev.keel.balancer.HealthChecker;
import dev.keel.balancer.Policies;
import dev.keel.client.internal.TlsNames;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * How calls to one service are balanced and retried. Immutable; build with {@link #builder()}.
 *
 * <ul>
 *   <li>{@link Builder#policy(String) policy} and the rest of the {@link BalancerConfig} (outlier
 *       ejection, slow start, ...): default {@code round-robin} with the balancer's defaults.
 *   <li>Sticky sessions: {@link Builder#stickyHeader(String)} or {@link Builder#stickyCookie(String)}
 *       names where the affinity key comes from; the policy then is {@code ring-hash} (set
 *       implicitly; naming another policy explicitly is an error). A request without the header or
 *       cookie is balanced as if its key were random.
 *   <li>Retries: at most {@link Builder#maxRetries(int) maxRetries} (default 2) further attempts,
 *       each on an instance not tried yet for that request, within a {@link RetryBudget} (default
 *       {@link RetryBudget#defaults()}, one per service). With sticky sessions a retry keeps the
 *       key and goes to the key's next instance on the ring.
 *   <li>Cut bodies: an idempotent request's response whose length is known and at most
 *       {@link Builder#bufferedResponseBytes(int) bufferedResponseBytes} (default 64 KiB) is read in
 *       full before the call returns, so that an instance that dies between the head and the end of
 *       the body costs a retry, not a failed call. Longer and chunked bodies stream as they come.
 *   <li>HTTPS: an {@code https://orders/...} call verifies the instance's certificate against, and
 *       sends as SNI, {@link Builder#tlsServerName(String) tlsServerName} (default: the service name),
 *       never the instance's address.
 * </ul>
 */
public final class ServicePolicy {
  private static final int DEFAULT_BUFFERED_RESPONSE_BYTES = 64 * 1024;
  private static final int MAX_BUFFERED_RESPONSE_BYTES = 16 * 1024 * 1024;
  private static final ServicePolicy DEFAULTS = builder().build();

  private final BalancerConfig balancerConfig;
  private final @Nullable String stickyHeader;
  private final @Nullable String stickyCookie;
  private final int maxRetries;
  private final int bufferedResponseBytes;
  private final Supplier<RetryBudget> retryBudget;
  private final @Nullable HealthChecker healthChecker;
  private final @Nullable String tlsServerName;

  private ServicePolicy(Builder b, BalancerConfig config) {
    this.balancerConfig = config;
    this.stickyHeader = b.stickyHeader;
    this.stickyCookie = b.stickyCookie;
    this.maxRetries = b.maxRetries;
    this.bufferedResponseBytes = b.bufferedResponseBytes;
    this.retryBudget = b.retryBudget;
    this.healthChecker = b.healthChecker;
    this.tlsServerName = b.tlsServerName;
  }

  /** Round robin, no stickiness, two retries within the default budget. */
  public static ServicePolicy defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The balancer settings, with the effective policy name. */
  public BalancerConfig balancerConfig() {
    return balancerConfig;
  }

  /** The header carrying the affinity key, or null. */
  public @Nullable String stickyHeader() {
    return stickyHeader;
  }

  /** The cookie carrying the affinity key, or null. */
  public @Nullable String stickyCookie() {
    return stickyCookie;
  }

  public int maxRetries() {
    return maxRetries;
  }

  /** The largest known-length response read in full before an idempotent call returns; 0 for none. */
  public int bufferedResponseBytes() {
    return bufferedResponseBytes;
  }

  /** Makes the service's retry budget; called once per service, when it is first used. */
  public Supplier<RetryBudget> retryBudget() {
    return retryBudget;
  }

  /** The active health checker, or null for none (passive outlier ejection still runs). */
  public @Nullable HealthChecker healthChecker() {
    return healthChecker;
  }

  /**
   * The name an HTTPS instance's certificate is verified against and that is sent as SNI; null means
   * the service name. Never the instance's address.
   */
  public @Nullable String tlsServerName() {
    return tlsServerName;
  }

  @Override
  public String toString() {
    return "ServicePolicy{policy=" + balancerConfig.policy()
        + (stickyHeader != null ? ", stickyHeader=" + stickyHeader : "")
        + (stickyCookie != null ? ", stickyCookie=" + stickyCookie : "")
        + (tlsServerName != null ? ", tlsServerName=" + tlsServerName : "")
        + ", maxRetries=" + maxRetries + "}";
  }

  /** Builder of {@link ServicePolicy}; not thread-safe. */
  public static final class Builder {
    private BalancerConfig balancerConfig = BalancerConfig.defaults();
    private @Nullable String policy;
    private @Nullable String stickyHeader;
    private @Nullable String stickyCookie;
    private int maxRetries = 2;
    private int bufferedResponseBytes = DEFAULT_BUFFERED_RESPONSE_BYTES;
    private Supplier<RetryBudget> retryBudget = RetryBudget::defaults;
    private @Nullable HealthChecker healthChecker;
    private @Nullable String tlsServerName;

    private Builder() {}

    /** The balancer settings (its policy name is used unless {@link #policy} names one). */
    public Builder balancerConfig(BalancerConfig config) {
      this.balancerConfig = requireNonNull(config, "config");
      return this;
    }

    /** The balancing policy by name, e.g. {@code least-response-time}; checked at {@link #build()}. */
    public Builder policy(String policy) {
      requireNonNull(policy, "policy");
      if (policy.isBlank()) {
        throw new IllegalArgumentException("policy: '" + policy + "' (expected: a policy name)");
      }
      this.policy = policy;
      return this;
    }

    /** Sticky sessions keyed by this request header's value (implies {@code ring-hash}). */
    public Builder stickyHeader(String header) {
      this.stickyHeader = nonBlank("stickyHeader", header);
      return this;
    }

    /** Sticky sessions keyed by this cookie's value (implies {@code ring-hash}). */
    public Builder stickyCookie(String cookie) {
      this.stickyCookie = nonBlank("stickyCookie", cookie);
      return this;
    }

    /** Further attempts after the first, 0..10 (default 2; 0 turns retries off). */
    public Builder maxRetries(int maxRetries) {
      if (maxRetries < 0 || maxRetries > 10) {
        throw new IllegalArgumentException("maxRetries: " + maxRetries + " (expected: 0..10)");
      }
      this.maxRetries = maxRetries;
      return this;
    }

    /**
     * Responses to idempotent requests whose {@code Content-Length} is at most this many bytes are
     * read in full before the call returns, so that a body cut short (the instance died or reset
     * mid-response) is retried on another instance like a reset; 0..16 MiB, default 64 KiB, 0 turns
     * it off. Longer bodies, and bodies of unknown length, stream: a cut there reaches the caller.
     */
    public Builder bufferedResponseBytes(int bytes) {
      if (bytes < 0 || bytes > MAX_BUFFERED_RESPONSE_BYTES) {
        throw new IllegalArgumentException("bufferedResponseBytes: " + bytes + " (expected: 0.."
            + MAX_BUFFERED_RESPONSE_BYTES + ")");
      }
      this.bufferedResponseBytes = bytes;
      return this;
    }

    /** Makes the service's retry budget, once per service (default {@link RetryBudget#defaults()}). */
    public Builder retryBudget(Supplier<RetryBudget> retryBudget) {
      this.retryBudget = requireNonNull(retryBudget, "retryBudget");
      return this;
    }

    /** Turns on active health checks for the service's instances. */
    public Builder healthChecker(HealthChecker checker) {
      this.healthChecker = requireNonNull(checker, "checker");
      return this;
    }

    /**
     * The DNS name HTTPS instances of this service present certificates for, when it is not the
     * service name (for example {@code orders.internal.example.com}). It is sent as SNI, verified
     * against each instance's certificate, and sent as the {@code Host} header unless the request
     * sets one.
     *
     * @throws IllegalArgumentException when {@code name} is not a DNS name (an IP address, a port,
     *     spaces, more than 200 characters)
     */
    public Builder tlsServerName(String name) {
      this.tlsServerName = TlsNames.check("tlsServerName", name);
      return this;
    }

    /**
     * Builds the policy.
     *
     * @throws IllegalArgumentException when the policy is unknown, or sticky sessions are asked for
     *     together with an explicit policy other than {@code ring-hash}
     */
    public ServicePolicy build() {
      String name = policy != null ? policy : balancerConfig.policy();
      boolean sticky = stickyHeader != null || stickyCookie != null;
      if (sticky && !Policies.RING_HASH.equals(name)) {
        if (policy != null) {
          throw new IllegalArgumentException("policy: '" + policy
              + "' (expected: ring-hash, since sticky sessions are configured)");
        }
        name = Policies.RING_HASH;
      }
      Policies.byName(name); // fails early on an unknown name
      BalancerConfig config = name.equals(balancerConfig.policy())
          ? balancerConfig : balancerConfig.toBuilder().policy(name).build();
      return new ServicePolicy(this, config);
    }

    private static String nonBlank(String field, String value) {
      requireNonNull(value, field);
      if (value.isBlank()) {
        throw new IllegalArgumentException(field + ": '" + value + "' (expected: non-blank)");
      }
      return value;
    }
  }
}
