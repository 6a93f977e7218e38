package dev.keel.registry.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.keel.registry.FuzzChecks;
import dev.keel.registry.InstanceSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Fuzzes {@link SnapshotCache#read} with the content of the file: null, or a stale set of valid
 * instances of the service (bad lines skipped) that is written and read back unchanged; never an
 * exception. Input: the file's bytes.
 */
public class SnapshotCacheFuzzTest {
  private static final String SERVICE = "orders";
  private static final SnapshotCache CACHE = new SnapshotCache(directory());

  private static Path directory() {
    try {
      return Files.createDirectories(Path.of("target", "fuzz", "snapshots"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @FuzzTest(maxDuration = "5s")
  public void read(FuzzedDataProvider data) throws IOException {
    Files.write(CACHE.fileOf(SERVICE), data.consumeRemainingAsBytes());
    InstanceSet set = CACHE.read(SERVICE);
    if (set == null) {
      return;
    }
    assertThat(set.service()).isEqualTo(SERVICE);
    assertThat(set.stale()).isTrue();
    set.instances().forEach(FuzzChecks::valid);
    assertThat(set.instances()).allSatisfy(i -> assertThat(i.service()).isEqualTo(SERVICE));

    CACHE.write(set);
    InstanceSet back = CACHE.read(SERVICE);
    assertThat(back).isNotNull();
    assertThat(back.revision()).isEqualTo(set.revision());
    assertThat(back.instances()).isEqualTo(set.instances());
  }
}
