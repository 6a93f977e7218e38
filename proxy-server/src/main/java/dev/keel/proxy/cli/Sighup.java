package dev.keel.proxy.cli;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;

/**
 * SIGHUP handling through {@code sun.misc.Signal}, the JDK's only way to handle a signal (module
 * {@code jdk.unsupported}, kept for exactly this). Reached by reflection: javac warns of every
 * direct use of it, with no way to silence the warning, and Keel's build fails on warnings.
 */
final class Sighup {
  private Sighup() {}

  /**
   * Runs {@code onHup} on the JVM's signal thread at every SIGHUP.
   *
   * @throws IllegalArgumentException when this JVM does not let Java code handle SIGHUP (for
   *     example under {@code -Xrs}, or when it is already used)
   * @throws IllegalStateException when {@code sun.misc.Signal} is missing from this JVM
   */
  static void handle(Runnable onHup) {
    try {
      Class<?> signal = Class.forName("sun.misc.Signal");
      Class<?> handlerType = Class.forName("sun.misc.SignalHandler");
      Object handler = Proxy.newProxyInstance(Sighup.class.getClassLoader(), new Class<?>[] {handlerType},
          (proxy, method, args) -> switch (method.getName()) {
            case "handle" -> {
              onHup.run();
              yield null;
            }
            case "hashCode" -> System.identityHashCode(proxy);
            case "equals" -> args != null && proxy == args[0];
            default -> "SIGHUP handler";
          });
      signal.getMethod("handle", signal, handlerType)
          .invoke(null, signal.getConstructor(String.class).newInstance("HUP"), handler);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof IllegalArgumentException refused) {
        throw refused;
      }
      throw new IllegalStateException("cannot handle SIGHUP: " + e.getCause(), e.getCause());
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("sun.misc.Signal is not available: " + e, e);
    }
  }
}
