package dev.keel.registry.nacos;

import static org.awaitility.Awaitility.await;

import com.alibaba.nacos.api.PropertyKeyConst;
import com.alibaba.nacos.api.naming.NamingFactory;
import com.alibaba.nacos.api.naming.NamingService;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryOptions;
import dev.keel.registry.internal.GuardedRegistryClient;
import dev.keel.registry.nacos.fixture.NacosServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.Properties;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Assumptions;

/**
 * Shared by the tests: Keel clients and plain nacos-client NamingServices tuned for tests.
 *
 * <p>Tuning (nacos-client properties): {@code redoDelayTime=300} (ms; nacos default 3000, Keel's 1000)
 * so that registrations come back quickly after a restart or a dropped connection, and a resolve
 * timeout of 5 s, which also bounds every Nacos request ({@code namingRequestTimeout}).
 */
final class NacosTestSupport {
  /** The password of the auth server's user {@code nacos}; distinctive, so that the secrets tests can look for it. */
  static final String AUTH_PASSWORD = "s3cr3t-PASSWORD-xyz";
  private static @Nullable NacosServer authServer; // guarded by the class

  private NacosTestSupport() {}

  /**
   * A real Nacos of its own with authentication on (one per JVM, stopped when it exits), whose admin
   * user {@code nacos} has the password {@link #AUTH_PASSWORD}. Nacos 2.5 has no default password:
   * the first call to {@code /v1/auth/users/admin} sets it. Its user cache is off, so that the user
   * can log in at once.
   */
  static synchronized NacosServer authServer() {
    Assumptions.assumeTrue(System.getenv(NacosServer.DIST_ENV) != null, "a Nacos with authentication on is started from "
        + NacosServer.DIST_ENV + ", which is not set (" + NacosServer.ADDR_ENV + " names a server the tests cannot reconfigure)");
    if (authServer == null) {
      byte[] key = new byte[48];
      new SecureRandom().nextBytes(key);
      NacosServer s = NacosServer.startOwn(Map.of(
          "nacos.core.auth.enabled", "true",
          "nacos.core.auth.caching.enabled", "false",
          "nacos.core.auth.plugin.nacos.token.secret.key", Base64.getEncoder().encodeToString(key),
          "nacos.core.auth.server.identity.key", "keel-test",
          "nacos.core.auth.server.identity.value", "keel-test"));
      Runtime.getRuntime().addShutdownHook(new Thread(s::close, "nacos-auth-server-stop"));
      s.openApi().post("/v1/auth/users/admin", "password", AUTH_PASSWORD);
      await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
          .until(() -> s.openApi().post("/v1/auth/users/login", "username", "nacos", "password", AUTH_PASSWORD)
              .contains("accessToken"));
      authServer = s;
    }
    return authServer;
  }

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
}
