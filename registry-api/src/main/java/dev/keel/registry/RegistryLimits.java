package dev.keel.registry;

import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What a registry refuses beyond the rules of {@link ServiceInstance}, declared by its adapter
 * through {@link RegistryClient#limits()} so that an application, and the registry TCK, know it
 * before registering. An adapter with limits refuses an instance over them in
 * {@link Registry#register} with an {@link IllegalArgumentException} that names the field, the limit
 * and the size, before anything is sent: the registry never holds half of such a registration, and
 * what was registered before stays as it was.
 *
 * <p>The one limit today is the size of an instance's metadata, counted as {@link #metadataChars}
 * says: Nacos refuses an instance whose metadata keys and values add up to more than 1024
 * characters (its {@code nacos.naming.service.metadata.length}); ZooKeeper and etcd bound only
 * whole requests (1 MiB, 1.5 MiB), far above any metadata Keel registers.
 *
 * <p>Immutable and thread-safe.
 */
public final class RegistryLimits {
  private static final RegistryLimits NONE = new RegistryLimits(Integer.MAX_VALUE);

  private final int maxMetadataChars;

  private RegistryLimits(int maxMetadataChars) {
    this.maxMetadataChars = maxMetadataChars;
  }

  /** No limit beyond {@link ServiceInstance}'s rules. */
  public static RegistryLimits none() {
    return NONE;
  }

  /**
   * At most {@code maxMetadataChars} characters of metadata per instance, counted by
   * {@link #metadataChars}.
   *
   * @throws IllegalArgumentException when {@code maxMetadataChars} is below 1
   */
  public static RegistryLimits maxMetadataChars(int maxMetadataChars) {
    if (maxMetadataChars < 1) {
      throw new IllegalArgumentException("maxMetadataChars: " + maxMetadataChars + " (expected: at least 1)");
    }
    return new RegistryLimits(maxMetadataChars);
  }

  /** The most metadata characters an instance may carry, or {@link Integer#MAX_VALUE} for no limit. */
  public int maxMetadataChars() {
    return maxMetadataChars;
  }

  /** Whether metadata is limited at all. */
  public boolean limitsMetadata() {
    return maxMetadataChars != Integer.MAX_VALUE;
  }

  /**
   * The size of {@code instance}'s metadata as limits count it: the lengths ({@link String#length()},
   * UTF-16 units) of its keys and values that are not blank, plus the length of its id, which an
   * adapter may have to keep in the metadata (Nacos does, as {@code keel.id}). Nacos counts the same
   * way, and skips blank keys and values too.
   */
  public static int metadataChars(ServiceInstance instance) {
    long n = instance.id().length();
    for (Map.Entry<String, String> e : instance.metadata().entrySet()) {
      n += charsUnlessBlank(e.getKey()) + charsUnlessBlank(e.getValue());
    }
    return (int) Math.min(Integer.MAX_VALUE, n);
  }

  private static int charsUnlessBlank(String s) {
    return s.isBlank() ? 0 : s.length();
  }

  /**
   * Throws when {@code instance} is over these limits, naming the field, the size and the limit:
   * {@code metadata of orders/o-1: 1190 characters (expected: at most 1017, counting keys, values
   * and the id)}.
   *
   * @throws IllegalArgumentException when {@code instance} is over a limit
   */
  public void check(ServiceInstance instance) {
    if (!limitsMetadata()) {
      return;
    }
    int size = metadataChars(instance);
    if (size > maxMetadataChars) {
      throw new IllegalArgumentException("metadata of " + instance.service() + "/" + instance.id() + ": " + size
          + " characters (expected: at most " + maxMetadataChars + ", counting keys, values and the id)");
    }
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof RegistryLimits && ((RegistryLimits) o).maxMetadataChars == maxMetadataChars;
  }

  @Override
  public int hashCode() {
    return maxMetadataChars;
  }

  @Override
  public String toString() {
    return limitsMetadata() ? "RegistryLimits{maxMetadataChars=" + maxMetadataChars + "}" : "RegistryLimits{none}";
  }
}
