package dev.keel.proxy.config;

/**
 * A configuration that cannot be used. The message names the line (when known), the key path and
 * what was expected, e.g. {@code line 7: listeners[0].timeouts.connect: '5 parsecs' (expected: a
 * duration like 500ms, 5s, 1m)}.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  static ConfigException at(int line, String path, String problem) {
    return new ConfigException((line > 0 ? "line " + line + ": " : "") + path + ": " + problem);
  }
}
