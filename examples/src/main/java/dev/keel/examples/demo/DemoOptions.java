package dev.keel.examples.demo;

import dev.keel.registry.Durations;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * The demo's command line: {@code [--registry URI] [--duration 30s] [--help]}.
 *
 * @param registry a registry URI to run against, or null for the in-JVM ZooKeeper
 * @param duration how long to run, or null to run until Ctrl-C
 */
record DemoOptions(@Nullable String registry, @Nullable Duration duration, boolean help) {
  static final Duration MIN_DURATION = Duration.ofSeconds(12);

  static final String USAGE = """
      usage: ./keel demo [--registry URI] [--duration D]

        --registry URI  run against this registry instead of an in-JVM ZooKeeper, e.g.
                        zookeeper://127.0.0.1:2181/services, etcd://127.0.0.1:2379 or nacos://127.0.0.1:8848
        --duration D    stop by itself after D (30s, 2m; at least 12s); default: until Ctrl-C
      """;

  static DemoOptions parse(String... args) {
    String registry = null;
    Duration duration = null;
    boolean help = false;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      String value = null;
      int eq = a.indexOf('=');
      if (a.startsWith("--") && eq > 0) {
        value = a.substring(eq + 1);
        a = a.substring(0, eq);
      }
      switch (a) {
        case "--registry" -> registry = value != null ? value : next(args, ++i, a);
        case "--duration" -> duration = parseDuration(value != null ? value : next(args, ++i, a));
        case "-h", "--help" -> help = true;
        default -> throw new IllegalArgumentException("unknown argument: '" + args[i] + "'");
      }
    }
    if (registry != null && registry.isBlank()) {
      throw new IllegalArgumentException("--registry: empty (expected: a registry URI such as zookeeper://127.0.0.1:2181)");
    }
    if (registry != null && registry.startsWith("memory:")) {
      throw new IllegalArgumentException("--registry: '" + registry + "' (a memory:// registry lives in one JVM, and keel-proxy runs in its"
          + " own process; expected: a zookeeper://, etcd:// or nacos:// server)");
    }
    return new DemoOptions(registry, duration, help);
  }

  private static String next(String[] args, int i, String flag) {
    if (i >= args.length) {
      throw new IllegalArgumentException(flag + ": missing value");
    }
    return args[i];
  }

  /**
   * {@code 30s}, {@code 2m}, {@code 1h30m}, {@code PT30S}: Keel's one duration grammar
   * ({@link Durations}), as in the proxy's config and registry URIs.
   */
  static Duration parseDuration(String text) {
    Duration d = Durations.parse("--duration", text);
    if (d.compareTo(MIN_DURATION) < 0) {
      throw new IllegalArgumentException("--duration: '" + text + "' (expected: at least " + MIN_DURATION.toSeconds() + "s, to fit the scripted events)");
    }
    return d;
  }
}
