package dev.keel.proxy.plugin;

import static java.util.Objects.requireNonNull;

import dev.keel.balancer.BalancingPolicy;
import dev.keel.balancer.Policies;
import dev.keel.proxy.config.ConfigFiles;
import dev.keel.registry.Registries;
import dev.keel.registry.RegistryProvider;
import java.io.IOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * keel-proxy's plug-ins: the jars of one directory, loaded at start-up into one class loader whose
 * parent is the proxy's own, so that the {@link java.util.ServiceLoader}s of {@link
 * BalancingPolicy} and {@link RegistryProvider} find what they bring beside the built-ins. The
 * proxy's policy names (config validation, {@code check}, "did you mean", {@code /status}) and
 * registry schemes come from here ({@link #policies()}, {@link #registrySchemes()}).
 *
 * <p>{@link #load} checks every jar before anything uses it, so a broken plug-in fails {@code
 * check} and start-up with the jar, the class and the reason, not the first balancer built later:
 * every class a jar lists in {@code META-INF/services/} for either interface is loaded, must
 * implement it and is created once through its public constructor without arguments (as {@code
 * ServiceLoader} will create it again); a policy may not take a built-in's name or another plug-in's.
 * Jars without such entries are libraries the plug-ins need. A directory, or a jar, that every
 * user of the machine may write is refused: a plug-in is code the proxy runs.
 *
 * <p>Loaded once: a reload does not load new or changed jars (a class loader cannot take back the
 * classes running balancers use); restart the proxy for that. Replace jars by renaming new files
 * over them, never by rewriting them in place.
 *
 * <p>Immutable and thread-safe. {@link #close()} closes the class loader; call it once nothing
 * built from it runs any more.
 */
public final class Plugins implements AutoCloseable {
  private static final List<Class<?>> SPIS = List.of(BalancingPolicy.class, RegistryProvider.class);
  private static final Plugins NONE = new Plugins(null, Plugins.class.getClassLoader(), List.of());

  /** One jar of the directory and what it brought (file name, policy names, registry schemes). */
  public record Jar(String file, List<String> policies, List<String> registries) {
    public Jar {
      policies = List.copyOf(policies);
      registries = List.copyOf(registries);
    }
  }

  private final @Nullable Path directory;
  private final ClassLoader loader;
  private final List<Jar> jars;
  private final List<String> policies;
  private final List<String> schemes;

  private Plugins(@Nullable Path directory, ClassLoader loader, List<Jar> jars) {
    this.directory = directory;
    this.loader = loader;
    this.jars = List.copyOf(jars);
    this.policies = List.copyOf(Policies.all(loader).keySet());
    TreeSet<String> s = new TreeSet<>();
    for (RegistryProvider p : Registries.providers(loader)) {
      s.add(p.scheme());
    }
    this.schemes = List.copyOf(s);
  }

  /** No plug-ins: the built-in policies and the adapters on the proxy's class path. */
  public static Plugins none() {
    return NONE;
  }

  /**
   * Loads and checks every {@code *.jar} of {@code dir} (other files are ignored).
   *
   * @throws IllegalArgumentException naming the directory ({@code '/dir' does not exist ...}: the
   *     caller says which setting named it), or the jar, the class and the reason
   */
  public static Plugins load(Path dir) {
    requireNonNull(dir, "dir");
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("'" + dir + "' "
          + (Files.exists(dir) ? "is not a directory" : "does not exist") + " (expected: a directory of plug-in jars)");
    }
    refuseIfOthersMayWrite(dir);
    List<Path> files = jarsOf(dir);
    URL[] urls = new URL[files.size()];
    for (int i = 0; i < urls.length; i++) {
      urls[i] = url(files.get(i));
    }
    URLClassLoader loader = new URLClassLoader("keel-plugins", urls, Plugins.class.getClassLoader());
    try {
      List<Jar> jars = new ArrayList<>();
      for (Path f : files) {
        jars.add(JarCheck.check(f, dir, loader, jars));
      }
      return new Plugins(dir, loader, jars);
    } catch (RuntimeException e) {
      closeQuietly(loader);
      throw e;
    }
  }

  private static void refuseIfOthersMayWrite(Path dir) {
    try {
      if (Files.getPosixFilePermissions(dir.toRealPath()).contains(PosixFilePermission.OTHERS_WRITE)) {
        throw new IllegalArgumentException("'" + dir + "' is writable by every user of this machine, who"
            + " could add code keel-proxy runs (expected: chmod o-w '" + dir + "')");
      }
    } catch (IOException | UnsupportedOperationException e) {
      // no POSIX permissions here: nothing to check
    }
  }

  private static List<Path> jarsOf(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> out = new ArrayList<>(s.filter(p -> String.valueOf(p.getFileName()).endsWith(".jar") && Files.isRegularFile(p))
          .sorted().toList());
      for (Path jar : out) {
        String writable = ConfigFiles.writableByOthers(jar);
        if (writable != null) {
          throw new IllegalArgumentException("plug-in " + writable + ": not loaded, any of them could change code"
              + " keel-proxy runs");
        }
      }
      return out;
    } catch (IOException e) {
      throw new IllegalArgumentException("'" + dir + "' cannot be read (" + e.getMessage() + ")", e);
    }
  }

  private static URL url(Path jar) {
    try {
      return jar.toUri().toURL();
    } catch (MalformedURLException e) {
      throw new IllegalArgumentException("plug-in " + jar + ": " + e.getMessage(), e);
    }
  }

  static List<Class<?>> spis() {
    return SPIS;
  }

  /** The directory the plug-ins came from; null for {@link #none()}. */
  public @Nullable Path directory() {
    return directory;
  }

  /** The class loader that sees the plug-ins and, through its parent, keel-proxy. */
  public ClassLoader classLoader() {
    return loader;
  }

  /** Every policy name known: built-ins and plug-ins, sorted. */
  public List<String> policies() {
    return policies;
  }

  /** Every registry URI scheme known: the adapters on the class path and plug-ins, sorted. */
  public List<String> registrySchemes() {
    return schemes;
  }

  /** The jars loaded, in the order of their names. */
  public List<Jar> jars() {
    return jars;
  }

  @Override
  public void close() {
    if (loader instanceof URLClassLoader u && this != NONE) {
      closeQuietly(u);
    }
  }

  private static void closeQuietly(URLClassLoader loader) {
    try {
      loader.close();
    } catch (IOException e) {
      // jar files the loader held open: nothing more to release
    }
  }

  @Override
  public String toString() {
    return directory == null ? "no plug-ins" : "plug-ins from " + directory + " " + jars;
  }
}
