package dev.keel.proxy.config;

import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Replaces {@code ${NAME}} and {@code ${NAME:-default}} in scalar values with environment
 * variables; {@code $$} is a literal {@code $}. An unset variable without a default is an error.
 */
final class EnvInterpolator {
  private final Function<String, @Nullable String> env;

  EnvInterpolator(Function<String, @Nullable String> env) {
    this.env = env;
  }

  /** The interpolated text; {@code problem} receives the error text when it fails. */
  String apply(String text, int line, String path) {
    if (text.indexOf('$') < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length());
    int i = 0;
    while (i < text.length()) {
      char c = text.charAt(i);
      if (c == '$' && i + 1 < text.length() && text.charAt(i + 1) == '$') {
        out.append('$');
        i += 2;
      } else if (c == '$' && i + 1 < text.length() && text.charAt(i + 1) == '{') {
        int end = text.indexOf('}', i + 2);
        if (end < 0) {
          throw ConfigException.at(line, path, "'" + Secrets.shown(path, text) + "' has an unclosed ${ (expected: ${NAME} or ${NAME:-default})");
        }
        String expr = text.substring(i + 2, end);
        int sep = expr.indexOf(":-");
        String name = sep < 0 ? expr : expr.substring(0, sep);
        if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
          throw ConfigException.at(line, path, "'${" + expr + "}' (expected: ${NAME} or ${NAME:-default} with NAME of letters, digits and _)");
        }
        String value = env.apply(name);
        if (value == null || (sep >= 0 && value.isEmpty())) {
          if (sep < 0) {
            throw ConfigException.at(line, path, "environment variable " + name + " is not set (expected: set it, or write ${" + name + ":-default})");
          }
          value = expr.substring(sep + 2);
        }
        out.append(value);
        i = end + 1;
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }
}
