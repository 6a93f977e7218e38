package dev.keel.registry.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.ServiceInstance;
import java.io.IOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last good instance set of each watched service, one file a service, written atomically.
 *
 * <p>Format (UTF-8, tab-separated, fields percent-encoded): a header line, {@code revision N},
 * then one {@code instance id host port weight k=v&k=v} line per instance. A line that does not
 * parse is skipped with a warning; the rest of the file is still served. Not public API.
 */
public final class SnapshotCache {
  private static final Logger log = LoggerFactory.getLogger(SnapshotCache.class);
  private static final String HEADER = "# keel instance snapshot v1";

  private final Path dir;

  public SnapshotCache(Path dir) {
    this.dir = dir;
  }

  public void write(InstanceSet set) {
    StringBuilder b = new StringBuilder(HEADER).append('\n');
    b.append("service\t").append(enc(set.service())).append('\n');
    b.append("revision\t").append(set.revision()).append('\n');
    for (ServiceInstance i : set.instances()) {
      b.append("instance\t").append(enc(i.id())).append('\t').append(enc(i.host())).append('\t')
          .append(i.port()).append('\t').append(i.weight()).append('\t');
      StringBuilder meta = new StringBuilder();
      i.metadata().forEach((k, v) -> meta.append(meta.length() == 0 ? "" : "&").append(enc(k)).append('=').append(enc(v)));
      b.append(meta).append('\n');
    }
    Path file = fileOf(set.service());
    try {
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, ".snapshot", ".tmp");
      Files.writeString(tmp, b, UTF_8);
      try {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      log.warn("could not write the snapshot of service '{}' to {}: {}", set.service(), file, e.toString());
    }
  }

  /** The cached set of {@code service}, marked stale, or null when there is none. */
  public @Nullable InstanceSet read(String service) {
    Path file = fileOf(service);
    List<String> lines;
    try {
      lines = Files.readAllLines(file, UTF_8);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      log.warn("could not read the snapshot {}: {}", file, e.toString());
      return null;
    }
    if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
      log.warn("ignoring {}: not a Keel snapshot", file);
      return null;
    }
    long revision = 0;
    List<ServiceInstance> instances = new ArrayList<>();
    for (int n = 1; n < lines.size(); n++) {
      String line = lines.get(n);
      String[] f = line.split("\t", -1);
      try {
        if (f[0].equals("revision")) {
          revision = Long.parseLong(f[1]);
        } else if (f[0].equals("instance")) {
          instances.add(ServiceInstance.builder().service(service).id(dec(f[1])).host(dec(f[2]))
              .port(Integer.parseInt(f[3])).weight(Integer.parseInt(f[4])).metadata(meta(f[5])).build());
        }
      } catch (RuntimeException e) {
        log.warn("skipping line {} of {}: {}", n + 1, file, e.getMessage());
      }
    }
    return InstanceSet.of(service, instances, revision).asStale();
  }

  private static Map<String, String> meta(String s) {
    Map<String, String> m = new LinkedHashMap<>();
    if (!s.isEmpty()) {
      for (String kv : s.split("&")) {
        int eq = kv.indexOf('=');
        m.put(dec(kv.substring(0, eq)), dec(kv.substring(eq + 1)));
      }
    }
    return m;
  }

  Path fileOf(String service) {
    return dir.resolve(enc(service).replace("*", "%2A") + ".snapshot");
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, UTF_8);
  }

  private static String dec(String s) {
    return URLDecoder.decode(s, UTF_8);
  }
}
