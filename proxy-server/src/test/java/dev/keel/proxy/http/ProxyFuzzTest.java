package dev.keel.proxy.http;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.keel.proxy.config.ConfigLoaderFuzzTest;

/**
 * The fuzz target that {@code mvn verify} fuzzes for a bounded time in this module (Jazzer fuzzes one
 * target per JVM): the input's last byte picks the HTTP request front ({@link RequestDecoderFuzzTest})
 * or the YAML config loader ({@link ConfigLoaderFuzzTest}), which gets the rest. Each target also
 * has its own class, whose seeds run as regression tests and which can be fuzzed alone by hand
 * (docs/FUZZING.md).
 */
class ProxyFuzzTest {
  @FuzzTest(maxDuration = "6s")
  void front(FuzzedDataProvider data) {
    if (data.consumeBoolean()) {
      new RequestDecoderFuzzTest().decode(data);
    } else {
      new ConfigLoaderFuzzTest().parse(data);
    }
  }
}
