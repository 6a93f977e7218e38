package dev.keel.registry;

import static java.util.Objects.requireNonNull;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Credentials in a registry URI never reach its {@code toString()} or an error about it: errors
 * name the part and the value that is wrong, with the password and secret parameters masked.
 */
class RegistryUriSecretsTest {
  private static final String SECRET = "s3cr3t-PASSWORD-xyz";

  /** The message of what {@code call} throws, after checking that no part of its stack trace shows the secret. */
  private static String failure(Executable call, String... alsoHidden) {
    Throwable t = catchThrowable(() -> {
      try {
        call.execute();
      } catch (Throwable e) {
        throw new RuntimeException(e.getClass().getName() + ": " + e.getMessage(), e);
      }
    });
    assertThat(t).as("expected a failure").isNotNull();
    Throwable cause = requireNonNull(t.getCause());
    StringWriter trace = new StringWriter();
    cause.printStackTrace(new PrintWriter(trace));
    assertThat(trace.toString()).doesNotContain(SECRET);
    for (String hidden : alsoHidden) {
      assertThat(trace.toString()).doesNotContain(hidden);
    }
    return String.valueOf(cause.getMessage());
  }

  @Test
  void toStringMasksThePasswordAndSecretParameters() {
    RegistryUri uri = RegistryUri.parse("nacos://keel:" + SECRET + "@127.0.0.1:8848/x?namespace=dev&accessKey=" + SECRET
        + "&secretKey=" + SECRET + "&token=" + SECRET + "&password=" + SECRET);
    assertThat(uri.toString()).doesNotContain(SECRET)
        .isEqualTo("nacos://keel:***@127.0.0.1:8848/x?namespace=dev&accessKey=***&secretKey=***&token=***&password=***");
    assertThat(uri.password()).isEqualTo(SECRET);
  }

  @Test
  void aBadPortNamesThePortButNotThePassword() {
    String message = failure(() -> Registries.open("static://keel:" + SECRET + "@127.0.0.1:notaport"));
    assertThat(message).contains("port").contains("'notaport'");
    message = failure(() -> RegistryUri.parse("zookeeper://keel:" + SECRET + "@127.0.0.1:70000/x").addresses(2181));
    assertThat(message).contains("port").contains("70000");
  }

  @Test
  void aUriWithoutSchemeSeparatorIsEchoedWithThePasswordMasked() {
    // A typo in "://" is the one error that echoes the whole text: it must still hide the password.
    for (String text : new String[] {
        "zookeeper:/keel:" + SECRET + "@127.0.0.1:2181",
        "keel:" + SECRET + "@127.0.0.1:2181",
        "zookeeper:/keel:pa@ss:" + SECRET + "@127.0.0.1:2181",
        "zookeeper//127.0.0.1:2181?password=" + SECRET + "&namespace=dev"}) {
      String message = failure(() -> RegistryUri.parse(text));
      assertThat(message).startsWith("registry uri: '").contains("127.0.0.1:2181").contains("expected");
    }
  }

  @Test
  void aBadPercentEncodingInThePasswordQuotesNoPartOfIt() {
    String message = failure(() -> RegistryUri.parse("etcd://root:" + SECRET + "%zz@127.0.0.1:2379"), "zz");
    assertThat(message).isEqualTo("registry uri password: bad percent-encoding");
    message = failure(() -> RegistryUri.parse("nacos://127.0.0.1:8848?secretKey=" + SECRET + "%zz"), "zz");
    assertThat(message).isEqualTo("registry uri query parameter secretKey: bad percent-encoding");
  }

  @Test
  void errorsAboutOtherPartsNeverShowTheCredentials() {
    String base = "static://keel:" + SECRET + "@127.0.0.1:9001";
    assertThat(failure(() -> Registries.open(base + "?bogus=1"))).contains("'bogus'");
    assertThat(failure(() -> Registries.open(base + "?empty-confirm=soon"))).contains("empty-confirm").contains("'soon'");
    assertThat(failure(() -> Registries.open("nosuch://keel:" + SECRET + "@127.0.0.1:1"))).contains("'nosuch'");
    assertThat(failure(() -> Registries.open("memory://keel:" + SECRET + "@name/path"))).contains("'/path'");
    assertThat(failure(() -> RegistryUri.parse("static://h:1?token=x&token=" + SECRET))).contains("'token'");
  }

  @Test
  void aSecretParameterOfTheWrongTypeIsNotEchoed() {
    RegistryUri uri = RegistryUri.parse("etcd://127.0.0.1:2379?token=" + SECRET + "&password=" + SECRET + "&key=" + SECRET);
    assertThat(failure(() -> uri.intParam("token", 1, 0, 10))).contains("token").contains("'***'");
    assertThat(failure(() -> uri.booleanParam("password", false))).contains("password").contains("'***'");
    assertThat(failure(() -> uri.durationParam("key", java.time.Duration.ZERO))).contains("key").contains("'***'");
  }
}
