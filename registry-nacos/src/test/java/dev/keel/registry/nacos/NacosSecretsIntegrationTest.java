package dev.keel.registry.nacos;

import dev.keel.testsupport.StderrCapture;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryException;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.nacos.fixture.NacosServer;
import dev.keel.registry.nacos.testserver.NacosTestServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Nacos password and secret key of {@code nacos://user:password@...?access-key=..&secret-key=..}
 * appear in no log line (Keel's or nacos-client's) and in no exception, whether the server accepts
 * them, refuses them or is down. Passwords against a real Nacos with authentication on, secret keys
 * against the protocol emulator (the open-source server does not check them). nacos-client logs at the level this module's tests give it (warn);
 * at DEBUG its logger {@code com.alibaba.nacos.client.naming} prints the login body with the
 * password in clear, which the adapter warns about at open (docs/operations.md).
 */
@Timeout(120)
class NacosSecretsIntegrationTest {
  private static final String SECRET = NacosTestSupport.AUTH_PASSWORD;
  private static final String WRONG = "wr0ng-PASSWORD-xyz";
  private static final String SECRET_KEY = "s3cr3t-SECRETKEY-xyz";

  private static ServiceInstance instance(String service) {
    return ServiceInstance.builder().service(service).id("i-1").host("127.0.0.1").port(9001).build();
  }

  private static void assertNoSecret(Throwable t) {
    assertThat(t).isNotNull();
    StringWriter trace = new StringWriter();
    t.printStackTrace(new PrintWriter(trace));
    assertThat(trace.toString()).doesNotContain(SECRET).doesNotContain(WRONG).doesNotContain(SECRET_KEY);
  }

  private static void assertNoSecretLogged(StderrCapture logs) {
    assertThat(logs.linesContaining(SECRET)).isEmpty();
    assertThat(logs.linesContaining(WRONG)).isEmpty();
    assertThat(logs.linesContaining(SECRET_KEY)).isEmpty();
  }

  /** Against a real Nacos with authentication on: nacos-client logs in over HTTP, then speaks gRPC. */
  @Test
  @Tag(NacosServer.TAG)
  void acceptedAndRefusedPasswordsShowUpNowhere() {
    NacosServer server = NacosTestSupport.authServer();
    try (StderrCapture logs = StderrCapture.start()) {
      try (RegistryClient good = Registries.open("nacos://nacos:" + SECRET + "@" + server.address(), NacosTestSupport.options())) {
        good.register(instance("secrets-user"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(good.resolve("secrets-user").size()).isEqualTo(1));
        try (RegistryClient bad = Registries.open("nacos://nacos:" + WRONG + "@" + server.address() + "?resolve-timeout=2s",
            NacosTestSupport.options())) {
          Throwable refused = catchThrowable(() -> bad.register(instance("secrets-user")));
          assertThat(refused).isInstanceOf(RegistryException.class);
          assertNoSecret(refused);
        }
      }
      assertNoSecretLogged(logs);
    }
  }

  /** Against the protocol emulator: the open-source Nacos does not check access-key signatures. */
  @Test
  void acceptedAndRefusedSecretKeysShowUpNowhere() {
    try (StderrCapture logs = StderrCapture.start()) {
      try (NacosTestServer server = NacosTestServer.builder().accessKey("ak-1", SECRET_KEY).start();
          RegistryClient good = Registries.open("nacos://" + server.address() + "?access-key=ak-1&secret-key=" + SECRET_KEY,
              NacosTestSupport.options())) {
        good.register(instance("secrets-key"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(good.resolve("secrets-key").size()).isEqualTo(1));
        try (RegistryClient bad = Registries.open("nacos://" + server.address() + "?resolve-timeout=2s&access-key=ak-1&secret-key="
            + WRONG, NacosTestSupport.options())) {
          Throwable refused = catchThrowable(() -> bad.resolve("secrets-key"));
          assertThat(refused).isInstanceOf(RegistryException.class);
          assertNoSecret(refused);
        }
      }
      assertNoSecretLogged(logs);
    }
  }

  @Test
  void anUnreachableServerShowsTheCredentialsNowhere() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    try (StderrCapture logs = StderrCapture.start()) {
      try (RegistryClient client = Registries.open("nacos://keel:" + SECRET + "@127.0.0.1:" + closedPort
          + "?resolve-timeout=1s&access-key=ak-1&secret-key=" + SECRET_KEY, NacosTestSupport.options())) {
        Throwable resolve = catchThrowable(() -> client.resolve("orders"));
        assertThat(resolve).isInstanceOf(RegistryException.class).hasMessageContaining("orders");
        assertNoSecret(resolve);
      }
      assertNoSecretLogged(logs);
    }
  }
}
