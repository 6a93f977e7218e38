package dev.keel.proxy.config;

import dev.keel.proxy.plugin.Plugins;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Which plug-in directory a config uses, and its plug-ins: {@code --plugin-path}, else the
 * file's {@code plugin-path} (relative to the file's directory), else a {@code plugins/}
 * directory beside the file when there is one, else none. A reload keeps the plug-ins loaded at
 * start-up ({@link Plugins}: new jars need a restart) and warns when the file names another
 * directory.
 */
final class PluginPaths {
  static final String DEFAULT_DIRECTORY = "plugins";

  private PluginPaths() {}

  /** The directory relative plug-in paths start from: the config file's, else the working directory. */
  private static Path directoryOf(@Nullable String source) {
    Path cwd = Path.of("").toAbsolutePath();
    if (source == null) {
      return cwd;
    }
    Path parent = Path.of(source).toAbsolutePath().getParent();
    return parent != null ? parent : cwd;
  }

  /**
   * @param cli {@code --plugin-path}, or null
   * @param running the plug-ins of the running proxy (a reload), or null (start-up, {@code check})
   * @throws ConfigException naming the setting, and the jar, class and reason of a broken plug-in
   */
  static Plugins plugins(Fields root, @Nullable String source, @Nullable Path cli, @Nullable Plugins running,
      List<String> warnings) {
    String written = root.string("plugin-path");
    Path base = directoryOf(source);
    Path dir = null;
    if (cli != null) {
      dir = cli.toAbsolutePath().normalize();
    } else if (written != null) {
      dir = base.resolve(written).normalize();
    } else if (source != null && Files.isDirectory(base.resolve(DEFAULT_DIRECTORY))) {
      dir = base.resolve(DEFAULT_DIRECTORY);
    }
    if (running != null) {
      if (!Objects.equals(dir, running.directory())) {
        warnings.add("plugin-path: " + (dir == null ? "none" : "'" + dir + "'") + " is not the directory the running"
            + " proxy loaded its plug-ins from (" + (running.directory() == null ? "none" : running.directory())
            + "): plug-ins are loaded at start-up, so this takes effect at the next restart");
      }
      return running;
    }
    if (dir == null) {
      return Plugins.none();
    }
    try {
      return Plugins.load(dir);
    } catch (IllegalArgumentException e) {
      if (cli != null) {
        throw new ConfigException("--plugin-path: " + e.getMessage());
      } else if (written != null) {
        throw root.error("plugin-path", String.valueOf(e.getMessage()));
      }
      throw new ConfigException(DEFAULT_DIRECTORY + " (the directory beside the config file): " + e.getMessage());
    }
  }
}
