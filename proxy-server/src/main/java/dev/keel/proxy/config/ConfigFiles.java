package dev.keel.proxy.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Who else may change or read the config file. keel-proxy reloads its config whenever the file
 * changes, so a file (or a directory holding it) that any user of the machine may write lets any
 * of them reconfigure the proxy: point a listener elsewhere, trust every proxy, turn TLS off.
 * {@link #writableByOthers} is why a reload is refused ({@code ConfigWatcher}); at start-up it is
 * a warning, since refusing to start would turn a permission slip into an outage at the next
 * deploy. Symbolic links are followed (Kubernetes mounts a ConfigMap through two of them).
 * Where POSIX permissions do not apply, nothing is reported.
 */
public final class ConfigFiles {
  /** The permissions in the order of an octal mode's bits, rwxrwxrwx from the highest. */
  private static final List<PosixFilePermission> MODE_BITS = List.of(
      PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE,
      PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
      PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

  private ConfigFiles() {}

  /**
   * Why {@code file} may be changed by any user (world-writable itself, or in a world-writable
   * directory without the sticky bit, where anyone may replace it), or null when it may not.
   */
  public static @Nullable String writableByOthers(Path file) {
    try {
      Path real = file.toRealPath();
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(real);
      if (perms.contains(PosixFilePermission.OTHERS_WRITE)) {
        return real + " is writable by every user of this machine (mode " + mode(perms) + "; chmod o-w '" + real + "')";
      }
      Path dir = real.getParent();
      if (dir != null) {
        PosixFileAttributes attrs = Files.readAttributes(dir, PosixFileAttributes.class);
        if (attrs.permissions().contains(PosixFilePermission.OTHERS_WRITE) && !sticky(dir)) {
          return "directory " + dir + " is writable by every user of this machine, who may replace " + real.getFileName()
              + " (mode " + mode(attrs.permissions()) + "; chmod o-w '" + dir + "')";
        }
      }
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
    return null;
  }

  /** True when every user of the machine may read {@code file}. */
  public static boolean readableByOthers(Path file) {
    try {
      return Files.getPosixFilePermissions(file).contains(PosixFilePermission.OTHERS_READ);
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    }
  }

  /** What start-up warns about {@code file}. */
  static List<String> warnings(Path file) {
    List<String> out = new ArrayList<>();
    String writable = writableByOthers(file);
    if (writable != null) {
      out.add(writable + ": any of them can reconfigure this proxy; changes of it will not be reloaded until that is fixed");
    }
    return out;
  }

  private static boolean sticky(Path dir) throws IOException {
    Object mode = Files.getAttribute(dir, "unix:mode");
    return mode instanceof Integer m && (m & 01000) != 0;
  }

  private static String mode(Set<PosixFilePermission> perms) {
    int m = 0;
    for (PosixFilePermission p : perms) {
      m |= 1 << (8 - MODE_BITS.indexOf(p));
    }
    return String.format("%04o", m);
  }
}
