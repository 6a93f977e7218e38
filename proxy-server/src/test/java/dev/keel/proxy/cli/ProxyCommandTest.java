package dev.keel.proxy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ProxyCommandTest {
  @TempDir Path dir;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    CommandLine cl = new CommandLine(new ProxyCommand());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    return cl.execute(args);
  }

  @Test
  void checkAcceptsAValidConfig() throws Exception {
    Path f = Files.writeString(dir.resolve("ok.yaml"),
        "registry: static://127.0.0.1:9001\nlisteners:\n  - { name: web, listen: 127.0.0.1:8080, service: demo }\n");
    assertThat(run("check", f.toString())).isZero();
    assertThat(out.toString()).contains("ok (1 listener)");
  }

  @Test
  void checkPrintsTheErrorAndFails() throws Exception {
    Path f = Files.writeString(dir.resolve("bad.yaml"),
        "registry: static://127.0.0.1:9001\nlisteners:\n  - { name: web, listen: 127.0.0.1:8080, service: demo, polcy: random }\n");
    assertThat(run("check", f.toString())).isEqualTo(1);
    assertThat(err.toString()).contains("line 3: listeners[0].polcy: unknown key; did you mean 'policy'?");
  }

  @Test
  void checkAcceptsTcpListeners() throws Exception {
    Path f = Files.writeString(dir.resolve("tcp.yaml"),
        "registry: static://127.0.0.1:9001\nlisteners:\n  - { name: db, listen: 127.0.0.1:5433, service: pg, protocol: tcp }\n");
    assertThat(run("check", f.toString())).isZero();
  }

  @Test
  void unknownProtocolIsRefused() {
    assertThat(run("--listen", "127.0.0.1:0", "--registry", "static://127.0.0.1:1", "--service", "x", "--protocol", "udp")).isEqualTo(2);
    assertThat(err.toString()).contains("--protocol: 'udp' (expected: http or tcp)");
  }

  @Test
  void oneLineFormNeedsListenRegistryAndService() {
    assertThat(run("--listen", "127.0.0.1:0")).isEqualTo(2);
    assertThat(err.toString()).contains("--listen HOST:PORT --registry URI --service NAME");
  }

  @Test
  void unknownPolicyIsRefused() {
    assertThat(run("--listen", "127.0.0.1:0", "--registry", "static://127.0.0.1:1", "--service", "x", "--policy", "fastest")).isEqualTo(2);
    assertThat(err.toString()).contains("--policy: 'fastest'");
  }

  @Test
  void versionAndHelpPrintAndSucceed() {
    assertThat(run("--version")).isZero();
    assertThat(out.toString()).startsWith("keel-proxy ");
    assertThat(run("--help")).isZero();
    assertThat(out.toString()).contains("--listen").contains("--registry").contains("--workers").contains("check");
  }
}
