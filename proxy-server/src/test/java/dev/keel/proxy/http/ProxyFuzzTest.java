package dev.keel.proxy.http;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.keel.proxy.config.ConfigLoaderFuzzTest;

/**
 * The fuzz target that {@code mvn verify} fuzzes for a bounded time in this module (Jazzer fuzzes one
 * target per JVM): the input's last byte picks the HTTP request front ({@link RequestDecoderFuzzTest},
 * odd with bit 2 clear), the request decoder against Netty's ({@link RequestDecoderDifferentialFuzzTest},
 * odd with bit 2 set), the YAML config loader ({@link ConfigLoaderFuzzTest}, bit 1 clear) or the upstream response
 * parser against Netty's ({@link ResponseDecoderFuzzTest}, bit 1 set), which gets the rest. Each
 * target also has its own class, whose seeds run as regression tests and which can be fuzzed alone
 * by hand (docs/FUZZING.md).
 */
class ProxyFuzzTest {
  @FuzzTest(maxDuration = "6s")
  void front(FuzzedDataProvider data) {
    byte pick = data.consumeByte();
    if ((pick & 5) == 1) {
      new RequestDecoderFuzzTest().decode(data);
    } else if ((pick & 5) == 5) {
      new RequestDecoderDifferentialFuzzTest().decode(data);
    } else if ((pick & 2) == 0) {
      new ConfigLoaderFuzzTest().parse(data);
    } else {
      new ResponseDecoderFuzzTest().decode(data);
    }
  }
}
