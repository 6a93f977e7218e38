package dev.keel.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code keel-proxy check} refuses what start-up (or a reload) would refuse, naming the line: a
 * check that passes a file the proxy then cannot start with is a check that lies.
 */
class CheckCommandTest {
  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int check(String yaml) throws Exception {
    Path f = Files.writeString(dir.resolve("proxy.yaml"), yaml);
    CommandLine cl = new CommandLine(new ProxyCommand());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute("check", f.toString());
  }

  private static String config(String registry, String listenerLines) {
    return "registry: " + registry + "\nlisteners:\n  - name: web\n    listen: 127.0.0.1:8080\n    service: demo\n" + listenerLines;
  }

  @Test
  void refusesAMissingCertificateFile() throws Exception {
    Path missing = dir.resolve("cert.pem");
    assertThat(check(config("static://127.0.0.1:9001", "    tls: { cert: " + missing + ", key: " + missing + " }\n"))).isEqualTo(1);
    assertThat(err.toString()).contains("line 6: listeners[0].tls.cert: '" + missing + "'").contains("does not exist");
  }

  @Test
  void refusesRegistryUrisThatStartUpRefuses() throws Exception {
    assertThat(check(config("etcd://127.0.0.1:2379?bogus=", ""))).isEqualTo(1);
    assertThat(err.toString()).contains("line 1: registry: ").contains("'bogus'");
    assertThat(check(config("zookeeper://127.0.0.1:99999", ""))).isEqualTo(1);
    assertThat(err.toString()).contains("port: 99999");
  }

  @Test
  void refusesSchemeAndParameterTyposWithADidYouMean() throws Exception {
    assertThat(check(config("ectd://127.0.0.1:2379", ""))).isEqualTo(1);
    assertThat(err.toString()).contains("line 1: registry: ").contains("did you mean 'etcd'?");
    assertThat(check(config("etcd://127.0.0.1:2379?prefx=/keel", ""))).isEqualTo(1);
    assertThat(err.toString()).contains("did you mean 'prefix'?");
  }

  @Test
  void refusesTrustedProxyShorthand() throws Exception {
    assertThat(check(config("static://127.0.0.1:9001", "    trusted-proxies: [ 10/8 ]\n"))).isEqualTo(1);
    assertThat(err.toString()).contains("line 6: listeners[0].trusted-proxies[0]: '10/8'");
  }

  @Test
  void refusesAListenPortOutOfRange() throws Exception {
    assertThat(check(config("static://127.0.0.1:9001", "").replace("8080", "70000"))).isEqualTo(1);
    assertThat(err.toString()).contains("line 4: listeners[0].listen: '127.0.0.1:70000'").contains("0..65535");
  }

  @Test
  void printsWarningsAndPasses() throws Exception {
    assertThat(check(config("static://127.0.0.1:9001", "") + "admin: { token: '${KEEL_TEST_UNSET_TOKEN:-}' }\n")).isZero();
    assertThat(err.toString()).contains("keel-proxy: warning: ").contains("admin.token: '${KEEL_TEST_UNSET_TOKEN:-}' is empty");
    assertThat(out.toString()).contains("ok (1 listener)");
  }
}
