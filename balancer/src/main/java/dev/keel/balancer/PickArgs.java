package dev.keel.balancer;

import static java.util.Objects.requireNonNull;

import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What {@link Balancer#pick(PickArgs)} is asked for: an affinity key, the endpoints to avoid, and an
 * instance to pin to. Immutable and thread-safe; {@link #ANY} asks for nothing in particular, and
 * one value may be reused for any number of picks.
 *
 * <pre>{@code
 * balancer.pick(PickArgs.ANY);                                          // the policy's choice
 * balancer.pick(PickArgs.builder().key(clientIp).exclude(tried).build()); // a retry
 * balancer.pick(PickArgs.builder().pinned(instanceId).key(clientIp).build()); // session persistence
 * balancer.pick(PickArgs.builder().pinned(lease.endpoint().id()).strict(true).build()); // there or nowhere
 * }</pre>
 *
 * <h2>The rule, in order</h2>
 *
 * <ol>
 *   <li><b>Pinned.</b> When {@link #pinned()} names an instance that is available (a member of
 *       {@link BalancerState#available()}) and not excluded, that endpoint, whatever the policy
 *       would choose; it takes no round-robin turn but adds to the load {@code least-request} and
 *       ring-hash bounded load read.
 *   <li><b>Strict.</b> Otherwise, when {@link #strict()}, null: the caller needs that endpoint or
 *       none (a request on a connection a {@link ConnectionBalancer} placed there).
 *   <li><b>Fallback to the policy</b> (the default, as Envoy's stateful sessions and HAProxy's
 *       {@code option redispatch}): the policy's choice for {@link #key()} among the available
 *       endpoints not in {@link #exclude()}; null only when every available endpoint is excluded or
 *       none is available.
 * </ol>
 */
public final class PickArgs {
  /** No key, nothing excluded, nothing pinned: the policy's choice. */
  public static final PickArgs ANY = new PickArgs(null, List.of(), null, false);

  private final @Nullable CharSequence key;
  private final List<Endpoint> exclude;
  private final @Nullable String pinned;
  private final boolean strict;

  private PickArgs(@Nullable CharSequence key, List<Endpoint> exclude, @Nullable String pinned, boolean strict) {
    this.key = key;
    this.exclude = exclude;
    this.pinned = pinned;
    this.strict = strict;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * The affinity key for hashing policies ({@code ring-hash}): a client IP, a header or cookie value;
   * null for none (then a hashing policy picks as if the key were random). Other policies ignore it.
   */
  public @Nullable CharSequence key() {
    return key;
  }

  /**
   * Endpoints not to return, typically those already tried for the request (compared by identity);
   * empty by default. Endpoints that are not (or no longer) members are simply never candidates.
   */
  public List<Endpoint> exclude() {
    return exclude;
  }

  /** The {@link Endpoint#id()} to pin to, or null for none. */
  public @Nullable String pinned() {
    return pinned;
  }

  /** True: when the pinned endpoint cannot be returned, return null rather than the policy's choice. */
  public boolean strict() {
    return strict;
  }

  @Override
  public String toString() {
    return "PickArgs{key=" + key + ", exclude=" + exclude.size() + " endpoints, pinned=" + pinned
        + (strict ? ", strict" : "") + "}";
  }

  /** Builder of {@link PickArgs}; not thread-safe. */
  public static final class Builder {
    private @Nullable CharSequence key;
    private List<Endpoint> exclude = List.of();
    private @Nullable String pinned;
    private boolean strict;

    private Builder() {}

    /** See {@link PickArgs#key()}; null for none. */
    public Builder key(@Nullable CharSequence key) {
      this.key = key;
      return this;
    }

    /** See {@link PickArgs#exclude()}; copied. */
    public Builder exclude(Collection<? extends Endpoint> exclude) {
      Endpoint[] copy = requireNonNull(exclude, "exclude").toArray(new Endpoint[0]);
      for (int i = 0; i < copy.length; i++) {
        requireNonNull(copy[i], "exclude[" + i + "]");
      }
      // An array-backed view: its contains() allocates nothing (the JDK's immutable lists allocate
      // an iterator per contains on Java 17), and picks call it once per candidate looked at.
      this.exclude = copy.length == 0 ? List.of() : Collections.unmodifiableList(Arrays.asList(copy));
      return this;
    }

    /** See {@link PickArgs#pinned()}; null for none. */
    public Builder pinned(@Nullable String instanceId) {
      this.pinned = instanceId;
      return this;
    }

    /** See {@link PickArgs#strict()} (default false: fall back to the policy). */
    public Builder strict(boolean strict) {
      this.strict = strict;
      return this;
    }

    /**
     * The arguments set so far ({@link #ANY} when none is).
     *
     * @throws IllegalArgumentException when {@code strict} is set without a pinned id (it would
     *     never return anything)
     */
    public PickArgs build() {
      if (strict && pinned == null) {
        throw new IllegalArgumentException("strict: true (expected: only with a pinned instance id)");
      }
      if (key == null && exclude.isEmpty() && pinned == null) {
        return ANY;
      }
      return new PickArgs(key, exclude, pinned, strict);
    }
  }
}
