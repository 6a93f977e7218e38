package dev.keel.proxy.accesslog;

import static java.util.Objects.requireNonNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A listener's {@code access-log:} section: the file its lines are appended to and their format.
 * Immutable.
 *
 * @param path the file (created when missing, appended to, reopened by name on reload and SIGHUP)
 * @param format how each line is written
 */
public record AccessLogConfig(Path path, Format format) {
  public AccessLogConfig {
    requireNonNull(path, "path");
    requireNonNull(format, "format");
  }

  /** The line formats. */
  public enum Format {
    /** One JSON object per line (JSON Lines). */
    JSON,
    /** The Apache/nginx combined format, with the proxy's fields appended. */
    COMBINED;

    /** The names as written in a config. */
    public static final List<String> NAMES = List.of("json", "combined");

    /** The format named {@code name} (as written in a config), or null when there is none. */
    public static @Nullable Format named(String name) {
      return switch (name.toLowerCase(Locale.ROOT)) {
        case "json" -> JSON;
        case "combined" -> COMBINED;
        default -> null;
      };
    }
  }

  /**
   * What keeps {@code path} from being an access log the proxy can append to, or null when it can
   * be one: its directory must exist and be writable; the file, when it exists, must be a regular
   * file that is writable. Does not create anything.
   */
  public static @Nullable String problem(Path path) {
    Path file = path.toAbsolutePath();
    Path dir = file.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      return "directory " + dir + " does not exist (expected: an existing directory; the file is created in it)";
    }
    if (Files.exists(file)) {
      if (!Files.isRegularFile(file)) {
        return "not a regular file (expected: a file the proxy appends to)";
      }
      return Files.isWritable(file) ? null : "the file is not writable by this process";
    }
    return Files.isWritable(dir) ? null : "directory " + dir + " is not writable by this process";
  }
}
