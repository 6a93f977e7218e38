package dev.keel.proxy.plugin;

import dev.keel.balancer.BalancingPolicy;
import dev.keel.balancer.Policies;
import dev.keel.registry.RegistryProvider;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.reflect.InvocationTargetException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Checks one plug-in jar ({@link Plugins#load}): each class it lists in {@code META-INF/services/}
 * for a Keel interface is loaded, implements it and can be created; policy names are new.
 */
final class JarCheck {
  private JarCheck() {}

  /**
   * What {@code jar} brings.
   *
   * @param before the jars of the directory checked already (for names taken twice)
   * @throws IllegalArgumentException naming the jar, the class and the reason
   */
  static Plugins.Jar check(Path jar, Path dir, ClassLoader loader, List<Plugins.Jar> before) {
    List<String> policies = new ArrayList<>();
    List<String> registries = new ArrayList<>();
    try (JarFile file = new JarFile(jar.toFile())) {
      for (Class<?> spi : Plugins.spis()) {
        String entry = "META-INF/services/" + spi.getName();
        JarEntry services = file.getJarEntry(entry);
        if (services == null) {
          continue;
        }
        for (String className : classNames(file, services)) {
          String where = "plug-in " + jar + ": class " + className + " (listed in " + entry + "): ";
          Object instance = create(spi, className, loader, dir, where);
          if (instance instanceof BalancingPolicy p) {
            policies.add(policyName(p, before, policies, where));
          } else if (instance instanceof RegistryProvider r) {
            String scheme = r.scheme();
            if (scheme == null || !scheme.matches("[a-z][a-z0-9+.-]*")) {
              throw new IllegalArgumentException(where + "registry scheme '" + scheme
                  + "' (expected: a lower-case URI scheme such as consul)");
            }
            registries.add(scheme);
          }
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("plug-in " + jar + ": not a readable jar (" + e.getMessage() + ")", e);
    }
    return new Plugins.Jar(String.valueOf(jar.getFileName()), policies, registries);
  }

  /** The class names a service file lists: one per line, {@code #} comments and blank lines skipped. */
  private static List<String> classNames(JarFile file, JarEntry services) throws IOException {
    List<String> out = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(new InputStreamReader(file.getInputStream(services), StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        int hash = line.indexOf('#');
        String name = (hash >= 0 ? line.substring(0, hash) : line).trim();
        if (!name.isEmpty()) {
          out.add(name);
        }
      }
    }
    return out;
  }

  private static Object create(Class<?> spi, String className, ClassLoader loader, Path dir, String where) {
    Class<?> c;
    try {
      c = Class.forName(className, false, loader);
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException(where + "not found in the jar or keel-proxy (expected: the class in the jar,"
          + " or in another jar of " + dir + ")", e);
    } catch (LinkageError e) {
      throw new IllegalArgumentException(where + "cannot be loaded: " + describe(e), e);
    }
    if (!spi.isAssignableFrom(c)) {
      throw new IllegalArgumentException(where + "does not implement " + spi.getName());
    }
    try {
      return c.getConstructor().newInstance();
    } catch (NoSuchMethodException | IllegalAccessException e) {
      throw new IllegalArgumentException(where + "needs a public constructor without arguments", e);
    } catch (InvocationTargetException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new IllegalArgumentException(where + "cannot be created: " + describe(cause), cause);
    } catch (InstantiationException e) {
      throw new IllegalArgumentException(where + "cannot be created: it is abstract", e);
    } catch (LinkageError e) {
      // a missing dependency (NoClassDefFoundError) or a failing static initialiser
      Throwable cause = e instanceof ExceptionInInitializerError x && x.getCause() != null ? x.getCause() : e;
      throw new IllegalArgumentException(where + "cannot be loaded: " + describe(cause), e);
    }
  }

  private static String policyName(BalancingPolicy p, List<Plugins.Jar> before, List<String> same, String where) {
    String name = p.name();
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException(where + "policy name '" + name + "' (expected: a name such as zone-aware)");
    }
    for (BalancingPolicy b : Policies.builtIns()) {
      if (b.name().equals(name)) {
        throw new IllegalArgumentException(where + "policy name '" + name + "' is a built-in policy's (expected: a name of its own)");
      }
    }
    for (Plugins.Jar j : before) {
      if (j.policies().contains(name)) {
        throw new IllegalArgumentException(where + "policy name '" + name + "' is also the name of a policy in " + j.file()
            + " (expected: one plug-in per name)");
      }
    }
    if (same.contains(name)) {
      throw new IllegalArgumentException(where + "policy name '" + name + "' is listed twice (expected: one class per name)");
    }
    return name;
  }

  private static String describe(Throwable t) {
    return t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
  }
}
