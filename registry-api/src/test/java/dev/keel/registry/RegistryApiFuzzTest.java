package dev.keel.registry;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.keel.registry.internal.SnapshotCacheFuzzTest;
import java.io.IOException;

/**
 * The fuzz target that {@code mvn verify} fuzzes for a bounded time in this module (Jazzer fuzzes one
 * target per JVM): the last byte picks one of this module's targets, which gets the rest. Each target
 * also has its own class, whose seeds run as regression tests and which can be fuzzed alone by hand
 * (docs/FUZZING.md).
 */
class RegistryApiFuzzTest {
  @FuzzTest(maxDuration = "6s")
  void parsers(FuzzedDataProvider data) throws IOException {
    switch (data.consumeInt(0, 3)) {
      case 0:
        new RegistryUriFuzzTest().parse(data);
        break;
      case 1:
        new RegistryDurationFuzzTest().parseDuration(data);
        break;
      case 2:
        new ServiceInstanceFuzzTest().build(data);
        break;
      default:
        new SnapshotCacheFuzzTest().read(data);
        break;
    }
  }
}
