package dev.keel.proxy.config;

import dev.keel.proxy.accesslog.AccessLogConfig;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import org.jspecify.annotations.Nullable;

/** Reads a listener's {@code access-log:} section (absent: no access log). */
final class AccessLogSection {
  private AccessLogSection() {}

  /**
   * The section {@code f} of a listener of {@code protocol}, or null when absent.
   *
   * @throws ConfigException naming the line, the key and the value: an unknown format, a relative
   *     path, a directory that does not exist or cannot be written, a tcp listener
   */
  static @Nullable AccessLogConfig read(@Nullable Fields f, String protocol) {
    if (f == null) {
      return null;
    }
    if (!"http".equals(protocol)) {
      throw f.error("on a " + protocol + " listener (expected: access logs on http listeners only)");
    }
    String written = f.required("path", "an absolute file path such as /var/log/keel/orders.log");
    Path path;
    try {
      path = Path.of(written);
    } catch (InvalidPathException e) {
      throw f.error("path", "'" + f.shownValue("path") + "' (expected: an absolute file path: " + e.getReason() + ")");
    }
    if (!path.isAbsolute()) {
      throw f.error("path", "'" + f.shownValue("path") + "' (expected: an absolute file path such as /var/log/keel/orders.log)");
    }
    String problem = AccessLogConfig.problem(path);
    if (problem != null) {
      throw f.error("path", "'" + f.shownValue("path") + "': " + problem);
    }
    String name = f.oneOf("format", "json", AccessLogConfig.Format.NAMES);
    AccessLogConfig.Format format = AccessLogConfig.Format.named(name);
    if (format == null) {
      throw f.error("format", "'" + name + "' (expected: one of " + AccessLogConfig.Format.NAMES + ")");
    }
    f.done();
    return new AccessLogConfig(path, format);
  }
}
