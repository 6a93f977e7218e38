package dev.keel.registry;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Whether a registry can be reached, as one {@link RegistryClient} sees it now, and what that client
 * has had to skip. Immutable; {@link RegistryClient#health()} returns the current one and
 * {@link RegistryClient#onHealthChange} tells of each new one.
 *
 * <p>While a registry is not {@link State#REACHABLE}, what the client serves is the last state it
 * knew: every watched {@link InstanceSet} is then marked {@link InstanceSet#stale() stale}, and a
 * {@code resolve} of a service it knows nothing of fails with a {@link RegistryException} that says
 * the registry is unreachable, rather than answering "no instances".
 */
public final class RegistryHealth {
  /** Where the connection to the registry stands. */
  public enum State {
    /** Opened, and no answer yet either way. */
    CONNECTING,
    /** The last contact with the registry succeeded. */
    REACHABLE,
    /** The connection is lost or was never made; {@link #cause()} says why. */
    UNREACHABLE,
    /** The client is closed. */
    CLOSED;

    /** The name in lower case, as {@code /status} and metrics show it. */
    public String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final String registry;
  private final State state;
  private final Instant since;
  private final @Nullable String cause;
  private final long malformedEntries;
  private final long outages;

  private RegistryHealth(String registry, State state, Instant since, @Nullable String cause, long malformedEntries,
      long outages) {
    this.registry = requireNonNull(registry, "registry");
    this.state = requireNonNull(state, "state");
    this.since = requireNonNull(since, "since");
    this.cause = cause;
    this.malformedEntries = malformedEntries;
    this.outages = outages;
  }

  /**
   * A health value.
   *
   * @param registry the registry, as {@code RegistryClient.toString()} shows it (no secrets)
   * @param since when the registry entered {@code state}
   * @param cause why it is not reachable, one line; ignored (null) when {@code state} is
   *     {@link State#REACHABLE}
   * @param malformedEntries registry entries skipped as malformed so far, each counted once per version
   * @param outages how many times the registry became unreachable
   */
  public static RegistryHealth of(String registry, State state, Instant since, @Nullable String cause,
      long malformedEntries, long outages) {
    if (malformedEntries < 0 || outages < 0) {
      throw new IllegalArgumentException("malformedEntries, outages: " + malformedEntries + ", " + outages
          + " (expected: >= 0)");
    }
    return new RegistryHealth(registry, state, since, state == State.REACHABLE ? null : cause, malformedEntries,
        outages);
  }

  /** What a client that cannot tell reports: reachable since the epoch, nothing skipped. */
  public static RegistryHealth alwaysReachable(String registry) {
    return new RegistryHealth(registry, State.REACHABLE, Instant.EPOCH, null, 0, 0);
  }

  /** The registry, as its client shows it: scheme and address, no secrets. */
  public String registry() {
    return registry;
  }

  public State state() {
    return state;
  }

  /** True in {@link State#REACHABLE} only. */
  public boolean reachable() {
    return state == State.REACHABLE;
  }

  /** When the registry entered {@link #state()}. */
  public Instant since() {
    return since;
  }

  /** Why the registry is not reachable (one line, safe to log); null while it is. */
  public @Nullable String cause() {
    return cause;
  }

  /**
   * Registry entries this client skipped because they could not be read as instances: each entry
   * counted once per version (not once per read), since the client was opened.
   */
  public long malformedEntries() {
    return malformedEntries;
  }

  /** How many times the registry went from reachable (or connecting) to unreachable. */
  public long outages() {
    return outages;
  }

  @Override
  public String toString() {
    return registry + " " + state.label() + " since " + since + (cause == null ? "" : " (" + cause + ")")
        + (malformedEntries == 0 ? "" : ", " + malformedEntries + " malformed entries skipped");
  }
}
