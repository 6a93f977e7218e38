package dev.keel.registry.nacos;

import static java.util.Objects.requireNonNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.keel.registry.RegistryClient;
import dev.keel.registry.tck.RegistryContract;
import org.junit.jupiter.api.BeforeEach;

/**
 * The registry TCK against a real Nacos 2.x at {@code KEEL_NACOS_ADDR=host:8848}; skipped when that is
 * not set, because no Nacos server can be started by the build. A real server can be neither restarted
 * nor made to drop a connection from here, so those cases are reported as aborted with the reason.
 */
class RealNacosContractIntegrationTest extends RegistryContract {
  @BeforeEach
  void requireRealNacos() {
    assumeTrue(NacosTestSupport.realNacos() != null,
        "KEEL_NACOS_ADDR is not set: skipping the TCK run against a real Nacos (set it to host:8848 to run it)");
  }

  @Override
  protected RegistryClient newClient() {
    return NacosTestSupport.keel(requireNonNull(NacosTestSupport.realNacos())).build();
  }
}
