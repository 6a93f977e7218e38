package dev.keel.registry;

import static java.util.Objects.requireNonNull;

import dev.keel.registry.internal.DidYouMean;
import dev.keel.registry.internal.GuardedRegistryClient;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Opens registry clients by URI: {@code memory://name}, {@code static://h:p,h:p},
 * {@code zookeeper://h:2181/services}, {@code etcd://h:2379?prefix=/keel},
 * {@code nacos://h:8848?namespace=...}; adapters are found through {@link ServiceLoader}.
 *
 * <p>Every client it returns is wrapped with the shared guards: an update that would empty a
 * non-empty set is held until a fresh read confirms it, the last good set can be cached on disk
 * and served (stale) when the registry is unreachable at start-up, no-op updates are dropped, and
 * each listener gets its updates in order on its own lane.
 */
public final class Registries {
  private Registries() {}

  /** Opens {@code uri} with default options, overridden by the URI's common parameters. */
  public static RegistryClient open(String uri) {
    return open(uri, RegistryOptions.defaults());
  }

  /**
   * Opens {@code uri}.
   *
   * @throws IllegalArgumentException naming the part of the URI that is wrong, or the scheme when
   *     no provider serves it
   * @throws RegistryException when the registry cannot be reached and the adapter connects eagerly
   */
  public static RegistryClient open(String uri, RegistryOptions options) {
    return open(uri, options, null);
  }

  /**
   * Opens {@code uri} with the adapters {@code loader} finds as well as the built-in ones (an
   * application's plug-in directory: see {@link #providers(ClassLoader)}).
   *
   * @throws IllegalArgumentException naming the part of the URI that is wrong, or the scheme when
   *     no provider serves it
   * @throws RegistryException when the registry cannot be reached and the adapter connects eagerly
   */
  public static RegistryClient open(String uri, RegistryOptions options, @Nullable ClassLoader loader) {
    requireNonNull(options, "options");
    RegistryUri parsed = RegistryUri.parse(uri);
    RegistryProvider provider = provider(parsed.scheme(), loader);
    RegistryOptions effective = options.withUriParams(parsed);
    RegistryClient raw = provider.open(parsed, effective);
    return raw instanceof GuardedRegistryClient ? raw : new GuardedRegistryClient(raw, effective, name(parsed));
  }

  /** How a client opened on {@code uri} names its registry: scheme and address, the password masked. */
  static String name(RegistryUri uri) {
    StringBuilder b = new StringBuilder(uri.scheme()).append("://");
    if (uri.username() != null) {
      b.append(uri.username()).append(uri.password() != null ? ":***" : "").append('@');
    }
    return b.append(uri.authority()).append(uri.path()).toString();
  }

  /**
   * Checks {@code uri} as {@link #open(String)} would, without connecting to anything or creating
   * any client: the syntax, the scheme (with a "did you mean" for a misspelt one), the common
   * parameters and, through {@link RegistryProvider#validate}, the adapter's own hosts, ports,
   * path and parameters. What {@code keel-proxy check} and a config reload use.
   *
   * @throws IllegalArgumentException naming the part of the URI that is wrong
   */
  public static void validate(String uri) {
    validate(uri, null);
  }

  /** {@link #validate(String)} with the adapters {@code loader} finds as well (see {@link #providers(ClassLoader)}). */
  public static void validate(String uri, @Nullable ClassLoader loader) {
    RegistryUri parsed = RegistryUri.parse(uri);
    RegistryProvider provider = provider(parsed.scheme(), loader);
    provider.validate(parsed, RegistryOptions.defaults().withUriParams(parsed));
  }

  /**
   * Wraps an adapter's raw client with the shared guards. Adapters' own builders call this so
   * that the guards are on whichever way a client is made. Closing the result closes {@code raw};
   * its {@code toString()} is {@code raw}'s, which must name the registry without secrets.
   */
  public static RegistryClient guard(RegistryClient raw, RegistryOptions options) {
    if (raw instanceof GuardedRegistryClient) {
      return raw;
    }
    return new GuardedRegistryClient(raw, options);
  }

  /** The provider of {@code scheme} with the highest priority. */
  public static RegistryProvider provider(String scheme) {
    return provider(scheme, null);
  }

  /**
   * The provider of {@code scheme} with the highest priority among {@link #providers(ClassLoader)}.
   *
   * @throws IllegalArgumentException naming the known schemes when none serves {@code scheme}
   */
  public static RegistryProvider provider(String scheme, @Nullable ClassLoader loader) {
    requireNonNull(scheme, "scheme");
    List<RegistryProvider> all = providers(loader);
    RegistryProvider best = null;
    for (RegistryProvider p : all) {
      if (p.scheme().equalsIgnoreCase(scheme) && (best == null || p.priority() > best.priority())) {
        best = p;
      }
    }
    if (best == null) {
      TreeSet<String> known = new TreeSet<>();
      all.forEach(p -> known.add(p.scheme()));
      throw new IllegalArgumentException("registry uri scheme: '" + scheme + "' (expected one of: " + known
          + "; adapters are found on the class path through META-INF/services/" + RegistryProvider.class.getName() + ")"
          + DidYouMean.suffix(scheme, known));
    }
    return best;
  }

  /** Every provider on the class path (the thread's context class loader, else this library's). */
  public static List<RegistryProvider> providers() {
    return providers(null);
  }

  /**
   * Every provider {@code loader}'s {@link ServiceLoader} finds (null: the thread's context class
   * loader, else this library's): with a plug-in class loader whose parent is the application's,
   * the built-in adapters and the plug-ins.
   */
  public static List<RegistryProvider> providers(@Nullable ClassLoader loader) {
    List<RegistryProvider> out = new ArrayList<>();
    ClassLoader l = loader != null ? loader : Thread.currentThread().getContextClassLoader();
    for (RegistryProvider p : ServiceLoader.load(RegistryProvider.class, l == null ? Registries.class.getClassLoader() : l)) {
      out.add(p);
    }
    if (out.stream().noneMatch(p -> p.scheme().equals("memory"))) {
      // A class loader that cannot see our service file (some containers): fall back to ours.
      for (RegistryProvider p : ServiceLoader.load(RegistryProvider.class, Registries.class.getClassLoader())) {
        out.add(p);
      }
    }
    return out;
  }
}
