package dev.keel.registry;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * Settings of the guards that {@link Registries} puts around every adapter, and the resolve
 * timeout adapters honour. Each can also be set by a query parameter of the registry URI:
 * {@code empty-protection=false}, {@code empty-confirm=3s}, {@code snapshot-dir=/var/cache/keel},
 * {@code resolve-timeout=5s}.
 */
public final class RegistryOptions {
  private static final RegistryOptions DEFAULTS = builder().build();

  private final boolean emptyProtection;
  private final Duration emptyConfirmDelay;
  private final @Nullable Path snapshotDir;
  private final Duration resolveTimeout;

  private RegistryOptions(Builder b) {
    this.emptyProtection = b.emptyProtection;
    this.emptyConfirmDelay = b.emptyConfirmDelay;
    this.snapshotDir = b.snapshotDir;
    this.resolveTimeout = b.resolveTimeout;
  }

  public static RegistryOptions defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.emptyProtection = emptyProtection;
    b.emptyConfirmDelay = emptyConfirmDelay;
    b.snapshotDir = snapshotDir;
    b.resolveTimeout = resolveTimeout;
    return b;
  }

  /** These options overridden by the common query parameters of {@code uri}. */
  public RegistryOptions withUriParams(RegistryUri uri) {
    Builder b = toBuilder();
    b.emptyProtection(uri.booleanParam("empty-protection", emptyProtection));
    b.emptyConfirmDelay(uri.durationParam("empty-confirm", emptyConfirmDelay));
    b.resolveTimeout(uri.durationParam("resolve-timeout", resolveTimeout, Duration.ofNanos(1), Durations.MAX));
    String dir = uri.param("snapshot-dir");
    if (dir != null && !dir.isEmpty()) {
      b.snapshotDir(Path.of(dir));
    }
    return b.build();
  }

  /** Whether an update that would empty a non-empty set is held back for confirmation. Default on. */
  public boolean emptyProtection() {
    return emptyProtection;
  }

  /** How long an emptying update is held before a fresh read decides. Default 3 s. */
  public Duration emptyConfirmDelay() {
    return emptyConfirmDelay;
  }

  /** Where the last good set of each watched service is kept; null (the default) keeps none. */
  public @Nullable Path snapshotDir() {
    return snapshotDir;
  }

  /** How long a first resolve, a registration or a connection attempt may block. Default 5 s. */
  public Duration resolveTimeout() {
    return resolveTimeout;
  }

  /** Builds {@link RegistryOptions}. */
  public static final class Builder {
    private boolean emptyProtection = true;
    private Duration emptyConfirmDelay = Duration.ofSeconds(3);
    private @Nullable Path snapshotDir;
    private Duration resolveTimeout = Duration.ofSeconds(5);

    private Builder() {}

    public Builder emptyProtection(boolean on) {
      this.emptyProtection = on;
      return this;
    }

    public Builder emptyConfirmDelay(Duration delay) {
      this.emptyConfirmDelay = positiveOrZero("emptyConfirmDelay", delay);
      return this;
    }

    public Builder snapshotDir(@Nullable Path dir) {
      this.snapshotDir = dir;
      return this;
    }

    public Builder resolveTimeout(Duration timeout) {
      requireNonNull(timeout, "resolveTimeout");
      if (timeout.isZero() || timeout.isNegative()) {
        throw new IllegalArgumentException("resolveTimeout: " + Durations.format(timeout) + " (expected: above 0s)");
      }
      this.resolveTimeout = timeout;
      return this;
    }

    private static Duration positiveOrZero(String field, Duration d) {
      requireNonNull(d, field);
      if (d.isNegative()) {
        throw new IllegalArgumentException(field + ": -" + Durations.format(d.negated()) + " (expected: not negative)");
      }
      return d;
    }

    public RegistryOptions build() {
      return new RegistryOptions(this);
    }
  }
}
