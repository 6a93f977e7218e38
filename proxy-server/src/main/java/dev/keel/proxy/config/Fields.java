package dev.keel.proxy.config;

import dev.keel.registry.Durations;
import dev.keel.registry.internal.DidYouMean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Typed reads from one YAML mapping, remembering which keys were read so that {@link #done()}
 * can reject the rest as unknown (with a "did you mean" when one is close).
 */
final class Fields {
  private final ConfigNode node;
  private final String path;
  private final EnvInterpolator env;
  private final Set<String> read = new HashSet<>();

  Fields(ConfigNode node, String path, EnvInterpolator env) {
    if (node.kind != ConfigNode.Kind.MAP) {
      throw ConfigException.at(node.line, path.isEmpty() ? "(document)" : path, node.describe() + " (expected: a mapping of keys)");
    }
    this.node = node;
    this.path = path;
    this.env = env;
  }

  String path(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  int line(String key) {
    Integer l = node.keyLines.get(key);
    return l == null ? node.line : l;
  }

  /** The line of {@code key}'s value, or of the key when it has none. */
  private int valueLine(String key) {
    ConfigNode n = node.fields.get(key);
    return n == null ? line(key) : n.line;
  }

  boolean has(String key) {
    read.add(key);
    ConfigNode n = node.fields.get(key);
    return n != null && !n.isNull();
  }

  @Nullable String string(String key) {
    read.add(key);
    ConfigNode n = node.fields.get(key);
    if (n == null || n.isNull()) {
      return null;
    }
    String text = n.text;
    if (n.kind != ConfigNode.Kind.SCALAR || text == null) { // a scalar has text unless it is null
      throw ConfigException.at(n.line, path(key), n.describe() + " (expected: a single value)");
    }
    return env.apply(text, n.line, path(key));
  }

  String string(String key, String dflt) {
    String s = string(key);
    return s == null ? dflt : s;
  }

  String required(String key, String expected) {
    String s = string(key);
    if (s == null || s.isBlank()) {
      throw ConfigException.at(node.line, path(key), "missing (expected: " + expected + ")");
    }
    return s;
  }

  <T> T parsed(String key, T dflt, String expected, Function<String, T> parser) {
    T value = parsedOrNull(key, expected, parser);
    return value == null ? dflt : value;
  }

  /** {@code key}'s value parsed, or null when it is missing or YAML null. */
  <T> @Nullable T parsedOrNull(String key, String expected, Function<String, T> parser) {
    String s = string(key);
    if (s == null) {
      return null;
    }
    try {
      return parser.apply(s.trim());
    } catch (IllegalArgumentException e) {
      String why = Secrets.isSecretKey(path(key)) ? expected : expected(e, expected);
      throw ConfigException.at(valueLine(key), path(key), "'" + shown(key, s) + "' (expected: " + why + ")");
    }
  }

  /**
   * The "expected" part of a parser's message when it has one ({@code port: 70000 (expected: a port
   * in 0..65535)}): more precise than what the caller can say in general.
   */
  static String expected(IllegalArgumentException e, String dflt) {
    String m = e.getMessage();
    if (m == null || !m.endsWith(")")) {
      return dflt;
    }
    int at = m.lastIndexOf("(expected: ");
    return at < 0 ? dflt : m.substring(at + "(expected: ".length(), m.length() - 1);
  }

  Duration duration(String key, Duration dflt) {
    return parsed(key, dflt, Durations.EXAMPLES, t -> Durations.parse(key, t));
  }

  int integer(String key, int dflt, int min, int max) {
    return parsed(key, dflt, "an integer in " + min + ".." + max, s -> {
      int v;
      try {
        v = Integer.parseInt(s);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(e);
      }
      if (v < min || v > max) {
        throw new IllegalArgumentException("range");
      }
      return v;
    });
  }

  double decimal(String key, double dflt, double min, double max) {
    return parsed(key, dflt, "a number in " + min + ".." + max, s -> {
      double v;
      try {
        v = Double.parseDouble(s);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(e);
      }
      if (!(v >= min && v <= max)) {
        throw new IllegalArgumentException("range");
      }
      return v;
    });
  }

  long size(String key, long dflt) {
    return parsed(key, dflt, "a size like 8192, 8k, 1m, 1g", Units::size);
  }

  boolean bool(String key, boolean dflt) {
    return parsed(key, dflt, "true or false", s -> {
      switch (s.toLowerCase(Locale.ROOT)) {
        case "true": case "yes": case "on":
          return true;
        case "false": case "no": case "off":
          return false;
        default:
          throw new IllegalArgumentException(s);
      }
    });
  }

  String oneOf(String key, String dflt, List<String> allowed) {
    String s = string(key);
    if (s == null) {
      return dflt;
    }
    if (!allowed.contains(s)) {
      String near = DidYouMean.closest(s, allowed);
      throw ConfigException.at(valueLine(key), path(key), "'" + shown(key, s) + "' (expected one of: "
          + String.join(", ", allowed) + ")" + (near == null ? "" : "; did you mean '" + near + "'?"));
    }
    return s;
  }

  /** True when the value at {@code key} is a mapping (a key that takes a single value or a mapping). */
  boolean isMap(String key) {
    ConfigNode n = node.fields.get(key);
    return n != null && n.kind == ConfigNode.Kind.MAP;
  }

  /** The sub-mapping at {@code key}, or null when absent. */
  @Nullable Fields map(String key) {
    read.add(key);
    ConfigNode n = node.fields.get(key);
    if (n == null || n.isNull()) {
      return null;
    }
    return new Fields(n, path(key), env);
  }

  /** The items of the list at {@code key} (empty when absent); each must be a scalar or mapping. */
  List<ConfigNode> list(String key) {
    read.add(key);
    ConfigNode n = node.fields.get(key);
    if (n == null || n.isNull()) {
      return List.of();
    }
    if (n.kind != ConfigNode.Kind.LIST) {
      throw ConfigException.at(n.line, path(key), n.describe() + " (expected: a list)");
    }
    return n.items;
  }

  /** The scalar items of the list at {@code key}, interpolated. */
  List<String> strings(String key) {
    List<String> out = new ArrayList<>();
    List<ConfigNode> items = list(key);
    for (int i = 0; i < items.size(); i++) {
      ConfigNode item = items.get(i);
      if (item.kind != ConfigNode.Kind.SCALAR || item.text == null) {
        throw ConfigException.at(item.line, path(key) + "[" + i + "]", item.describe() + " (expected: a single value)");
      }
      out.add(env.apply(item.text, item.line, path(key) + "[" + i + "]"));
    }
    return out;
  }

  /**
   * The scalar items of the list at {@code key}, each through {@code parser}; an item it refuses
   * is named with its own line and index ({@code line 9: listeners[0].trusted-proxies[1]: ...}).
   */
  <T> List<T> parsedList(String key, String expected, Function<String, T> parser) {
    List<T> out = new ArrayList<>();
    List<ConfigNode> items = list(key);
    List<String> values = strings(key);
    for (int i = 0; i < values.size(); i++) {
      try {
        out.add(parser.apply(values.get(i)));
      } catch (IllegalArgumentException e) {
        String at = path(key) + "[" + i + "]";
        throw ConfigException.at(items.get(i).line, at, "'" + Secrets.shown(at, values.get(i)) + "' (expected: " + expected(e, expected) + ")");
      }
    }
    return out;
  }

  /** The value at {@code key} as written in the file, before interpolation; null when absent. */
  @Nullable String written(String key) {
    ConfigNode n = node.fields.get(key);
    return n == null ? null : n.text;
  }

  /** True when the value at {@code key} was written with {@code ${...}} (read from the environment). */
  boolean interpolated(String key) {
    ConfigNode n = node.fields.get(key);
    return n != null && n.text != null && n.text.contains("${");
  }

  EnvInterpolator env() {
    return env;
  }

  /** The value at {@code key} as a list: a single value is a list of one; empty when absent. */
  List<String> oneOrMore(String key) {
    read.add(key);
    ConfigNode n = node.fields.get(key);
    if (n == null || n.isNull()) {
      return List.of();
    }
    if (n.kind == ConfigNode.Kind.SCALAR) {
      String s = string(key);
      return s == null ? List.of() : List.of(s);
    }
    return strings(key);
  }

  /** Rejects every key that was not read. */
  void done() {
    for (String key : node.fields.keySet()) {
      if (!read.contains(key)) {
        String near = DidYouMean.closest(key, new ArrayList<>(read));
        throw ConfigException.at(line(key), path(key), "unknown key" + (near == null
            ? " (expected one of: " + String.join(", ", new java.util.TreeSet<>(read)) + ")"
            : "; did you mean '" + near + "'?"));
      }
    }
  }

  /**
   * {@code value} of {@code key} as an error may show it: an interpolated value as written
   * ({@code '${ADMIN_TOKEN}'}), since a secret from the environment may sit on the wrong key.
   */
  private String shown(String key, String value) {
    ConfigNode n = node.fields.get(key);
    String written = n != null && n.text != null && n.text.contains("${") ? n.text : value;
    return Secrets.shown(path(key), written);
  }

  /** The value of {@code key} as an error may show it (see {@link #shown}), or null when absent. */
  @Nullable String shownValue(String key) {
    String s = string(key);
    return s == null ? null : shown(key, s);
  }

  /** An error about this mapping as a whole (a rule that ties several of its keys together). */
  ConfigException error(String problem) {
    return ConfigException.at(node.line, path.isEmpty() ? "(document)" : path, problem);
  }

  ConfigException error(String key, String problem) {
    ConfigNode n = node.fields.get(key);
    return ConfigException.at(n == null ? node.line : n.line, path(key), problem);
  }
}
