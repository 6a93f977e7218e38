package dev.keel.registry.nacos;

import static java.util.Objects.requireNonNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.BeforeEach;

/**
 * {@link NacosInteropContract} against a real Nacos 2.x at {@code KEEL_NACOS_ADDR=host:8848}; skipped
 * when that is not set, because no Nacos server can be started by the build (none is published to
 * Maven Central, Debian or npm).
 */
class RealNacosInteropIntegrationTest extends NacosInteropContract {
  @BeforeEach
  void requireRealNacos() {
    assumeTrue(NacosTestSupport.realNacos() != null,
        "KEEL_NACOS_ADDR is not set: skipping the run against a real Nacos (set it to host:8848 to run it)");
  }

  @Override
  protected String serverAddr() {
    return requireNonNull(NacosTestSupport.realNacos());
  }
}
