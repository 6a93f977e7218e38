package dev.keel.registry.nacos;

import com.alibaba.nacos.api.PropertyKeyConst;
import com.alibaba.nacos.api.naming.NamingFactory;
import com.alibaba.nacos.api.naming.NamingService;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryOptions;
import dev.keel.registry.internal.GuardedRegistryClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.jspecify.annotations.Nullable;

/**
 * Shared by the tests: Keel clients and plain nacos-client NamingServices tuned for tests.
 *
 * <p>Tuning (nacos-client properties): {@code redoDelayTime=300} (ms; nacos default 3000, Keel's 1000)
 * so that registrations come back quickly after a restart or a dropped connection, and a resolve
 * timeout of 5 s, which also bounds every Nacos request ({@code namingRequestTimeout}).
 */
final class NacosTestSupport {
  static final String REAL_NACOS_ENV = "KEEL_NACOS_ADDR";

  private NacosTestSupport() {}

  static RegistryOptions options() {
    return RegistryOptions.builder().resolveTimeout(Duration.ofSeconds(5)).build();
  }

  static NacosRegistry.Builder keel(String serverAddr) {
    return NacosRegistry.builder().serverAddr(serverAddr).property("redoDelayTime", "300").options(options());
  }

  /** A plain nacos-client NamingService, as another application would use, with its files under target/. */
  static NamingService foreignNaming(String serverAddr, String namespace) throws Exception {
    Path dir = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"))).resolve("foreign-nacos");
    Properties p = new Properties();
    p.setProperty(PropertyKeyConst.SERVER_ADDR, serverAddr);
    if (!namespace.isEmpty()) {
      p.setProperty(PropertyKeyConst.NAMESPACE, namespace);
    }
    p.setProperty("JM.SNAPSHOT.PATH", dir.toString());
    p.setProperty(PropertyKeyConst.REDO_DELAY_TIME, "300");
    return NamingFactory.createNamingService(p);
  }

  /** The raw adapter client under Keel's guards. */
  static NacosRegistryClient raw(RegistryClient client) {
    return (NacosRegistryClient) ((GuardedRegistryClient) client).delegate();
  }

  /** The address of a real Nacos to test against, or null; see the README. */
  static @Nullable String realNacos() {
    String addr = System.getenv(REAL_NACOS_ENV);
    return addr == null || addr.isBlank() ? null : addr.strip();
  }
}
