package dev.keel.proxy.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.keel.proxy.tls.ServerTls;
import dev.keel.testsupport.TestPki;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What start-up would refuse, refused by the loader (so by {@code keel-proxy check} and a reload)
 * with the line and the key: registry URIs, listen ports, trusted-proxies entries, TLS files.
 */
class ConfigLoaderTrustTest {
  @TempDir static Path dir;
  private static TestPki.Leaf server;
  private static TestPki.Leaf other;
  private static TestPki.Authority ca;

  private static final String MINIMAL = "registry: static://127.0.0.1:9001\n"
      + "listeners:\n"
      + "  - name: web\n"
      + "    listen: 127.0.0.1:8080\n"
      + "    service: demo\n";

  @BeforeAll
  static void pki() {
    TestPki pki = new TestPki(dir);
    ca = pki.authority("ca");
    server = ca.issue("server", "IP:127.0.0.1");
    other = ca.issue("other", "IP:127.0.0.1");
  }

  private static ConfigLoader.Loaded parse(String yaml) {
    return new ConfigLoader(Map.of("EMPTY", "", "TOKEN", "s3cret")::get).parseWithWarnings(yaml, null);
  }

  private static ListenerConfig listener(String lines) {
    return parse(MINIMAL + lines).config().listeners().get(0);
  }

  @Test
  void registryUrisAreCheckedThroughTheirAdapterWithTheLine() {
    assertThatThrownBy(() -> parse(MINIMAL.replace("static://127.0.0.1:9001", "ectd://127.0.0.1:2379")))
        .hasMessageStartingWith("line 1: registry: registry uri scheme: 'ectd'").hasMessageEndingWith("did you mean 'etcd'?");
    assertThatThrownBy(() -> parse(MINIMAL.replace("static://127.0.0.1:9001", "etcd://127.0.0.1:2379?prefx=/keel")))
        .hasMessageStartingWith("line 1: registry: ").hasMessageEndingWith("did you mean 'prefix'?");
    assertThatThrownBy(() -> parse(MINIMAL.replace("static://127.0.0.1:9001", "etcd://127.0.0.1:2379?bogus=")))
        .hasMessageStartingWith("line 1: registry: ").hasMessageContaining("'bogus': unknown for etcd://");
    assertThatThrownBy(() -> parse(MINIMAL.replace("static://127.0.0.1:9001", "zookeeper://127.0.0.1:99999")))
        .hasMessageStartingWith("line 1: registry: ").hasMessageContaining("port: 99999");
    assertThatThrownBy(() -> parse(MINIMAL.replace("static://127.0.0.1:9001", "etcd://h?ttl=0s")))
        .hasMessage("line 1: registry: registry uri parameter ttl: '0s' (expected: 1s..1d)");
  }

  @Test
  void aListenPortOutOfRangeNamesTheRange() {
    assertThatThrownBy(() -> parse(MINIMAL.replace("127.0.0.1:8080", "127.0.0.1:70000")))
        .hasMessage("line 4: listeners[0].listen: '127.0.0.1:70000' (expected: host:port with a port in 0..65535)");
    assertThatThrownBy(() -> parse(MINIMAL.replace("127.0.0.1:8080", "127.0.0.1:-1")))
        .hasMessageContaining("a port in 0..65535");
  }

  @Test
  void durationsReadTheOneGrammarAndOverflowIsRefused() {
    ListenerConfig l = listener("    timeouts: { connect: PT0.25S, request: 1h30m, idle: 1d }\n");
    assertThat(l.timeouts().connect()).isEqualTo(Duration.ofMillis(250));
    assertThat(l.timeouts().request()).isEqualTo(Duration.ofMinutes(90));
    assertThat(l.timeouts().idle()).isEqualTo(Duration.ofDays(1));
    assertThatThrownBy(() -> listener("    timeouts: { idle: 9999999999d }\n"))
        .hasMessage("line 6: listeners[0].timeouts.idle: '9999999999d' (expected: at most 106751d)");
  }

  @Test
  void aTrustedProxyShorthandIsRefusedAtItsOwnLine() {
    assertThatThrownBy(() -> listener("    trusted-proxies:\n      - 10.0.0.0/8\n      - 192.168.1/24\n"))
        .hasMessageStartingWith("line 8: listeners[0].trusted-proxies[1]: '192.168.1/24' (expected: ");
    assertThatThrownBy(() -> listener("    trusted-proxies: [ 10.1.2.3/8 ]\n")).hasMessageContaining("did you mean 10.0.0.0/8?");
  }

  @Test
  void tlsFilesAreReadAndCheckedWithTheLineOfTheirKey() {
    String missing = dir.resolve("missing.pem").toString();
    assertThatThrownBy(() -> listener("    tls:\n      cert: " + missing + "\n      key: " + server.key() + "\n"))
        .hasMessage("line 7: listeners[0].tls.cert: '" + missing + "' (expected: a PEM certificate file; it does not exist)");
    assertThatThrownBy(() -> listener("    tls:\n      cert: " + dir + "\n      key: " + server.key() + "\n"))
        .hasMessageContaining("line 7: listeners[0].tls.cert: ").hasMessageContaining("not a regular file");
    assertThatThrownBy(() -> listener("    tls:\n      cert: " + server.cert() + "\n      key: " + other.key() + "\n"))
        .hasMessageStartingWith("line 8: listeners[0].tls.key: '" + other.key() + "' (expected: the private key of the certificate");
    assertThatThrownBy(() -> listener("    tls:\n      cert: " + server.key() + "\n      key: " + server.key() + "\n"))
        .hasMessageContaining("line 7: listeners[0].tls.cert: ").hasMessageContaining("holds no");
    assertThatThrownBy(() -> listener("    tls:\n      cert: " + server.cert() + "\n      key: " + server.cert() + "\n"))
        .hasMessageContaining("line 8: listeners[0].tls.key: ").hasMessageContaining("PKCS#8");
    ServerTls ok = listener("    tls: { cert: " + server.cert() + ", key: " + server.key() + " }\n").tls();
    assertThat(ok).isNotNull();
    assertThat(ok.clientAuth()).isEqualTo(ServerTls.ClientAuth.NONE);
    assertThat(ok.handshakeTimeout()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void clientCertificatesNeedACaAndKnownCipherSuites() {
    String tls = "    tls:\n      cert: " + server.cert() + "\n      key: " + server.key() + "\n";
    assertThatThrownBy(() -> listener(tls + "      client-auth: require\n"))
        .hasMessageStartingWith("line 9: listeners[0].tls.client-ca: missing");
    assertThatThrownBy(() -> listener(tls + "      client-auth: requried\n      client-ca: " + ca.cert() + "\n"))
        .hasMessageContaining("did you mean 'require'?");
    assertThatThrownBy(() -> listener(tls + "      client-ca: " + ca.cert() + "\n"))
        .hasMessageContaining("client-ca").hasMessageContaining("client-auth: optional or require");
    assertThatThrownBy(() -> listener(tls + "      ciphers: [ TLS_AES_128_GCM_SHA256, TLS_FAKE_WITH_NOTHING ]\n"))
        .hasMessageContaining("listeners[0].tls.ciphers: cipher suite 'TLS_FAKE_WITH_NOTHING' is not supported");
    ServerTls mtls = listener(tls + "      client-auth: optional\n      client-ca: " + ca.cert() + "\n      handshake-timeout: 2s\n").tls();
    assertThat(mtls).isNotNull();
    assertThat(mtls.clientAuth()).isEqualTo(ServerTls.ClientAuth.OPTIONAL);
    assertThat(mtls.handshakeTimeout()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void upstreamTlsKeysAreCheckedTogether() {
    assertThatThrownBy(() -> listener("    upstream: { ca: " + ca.cert() + " }\n"))
        .hasMessageContaining("upstream.ca").hasMessageContaining("tls: true");
    assertThatThrownBy(() -> listener("    upstream: { tls: true, verify: false, server-name: a.test }\n"))
        .hasMessageContaining("upstream.server-name").hasMessageContaining("verify: false");
    assertThatThrownBy(() -> listener("    upstream: { tls: true, cert: " + server.cert() + " }\n"))
        .hasMessageContaining("upstream.cert: given without key");
    assertThatThrownBy(() -> listener("    upstream: { tls: true, server-name: 'not a name' }\n"))
        .hasMessageContaining("upstream.server-name: 'not a name' (expected: a DNS name");
    assertThatThrownBy(() -> listener("    upstream: { tls: true, ca: " + dir.resolve("nope.pem") + " }\n"))
        .hasMessageContaining("listeners[0].upstream.ca: ").hasMessageContaining("does not exist");
    ListenerConfig l = listener("    upstream: { tls: true, ca: " + ca.cert() + ", server-name: orders.internal,"
        + " cert: " + server.cert() + ", key: " + server.key() + " }\n");
    var upstreamTls = l.upstream().tls();
    assertThat(upstreamTls).isNotNull();
    assertThat(upstreamTls.serverName()).isEqualTo("orders.internal");
    assertThat(listener("").upstream().tls()).isNull();
  }

  @Test
  void clientAddressHeadersAreHeaderNamesOtherThanTheOnesTheProxySets() {
    assertThat(listener("").clientAddressHeaders()).contains("forwarded", "x-real-ip", "true-client-ip");
    assertThat(listener("    client-address-headers: [ X-My-IP ]\n").clientAddressHeaders()).containsExactly("x-my-ip");
    assertThatThrownBy(() -> listener("    client-address-headers: [ Host ]\n")).hasMessageContaining("[0]: 'Host'");
    assertThatThrownBy(() -> listener("    client-address-headers: [ 'bad name' ]\n")).hasMessageContaining("a header name");
  }

  @Test
  void anEmptyAdminTokenIsAWarningAndAllowedHostsAreRead() {
    ConfigLoader.Loaded l = parse(MINIMAL + "admin: { token: '${EMPTY:-}', allowed-hosts: [ Proxy.Internal ] }\n");
    assertThat(l.config().admin().token()).isNull();
    assertThat(l.config().admin().allowedHosts()).containsExactly("proxy.internal");
    assertThat(l.warnings()).singleElement().asString()
        .startsWith("line 6: admin.token: '${EMPTY:-}' is empty, so /status and /metrics need no token");
    assertThat(parse(MINIMAL + "admin: { token: '${TOKEN}' }\n").warnings()).isEmpty();
    assertThatThrownBy(() -> parse(MINIMAL + "admin: { allowed-hosts: [ 'proxy:9901' ] }\n"))
        .hasMessageContaining("admin.allowed-hosts[0]: 'proxy:9901' (expected: a host name or address, without port)");
  }

  @Test
  void readWarnsAboutAWorldWritableConfigAndSecretsAndKeysOthersCanRead() throws Exception {
    Path key = Files.copy(server.key(), dir.resolve("readable.key"));
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-r--r--"));
    Path file = Files.writeString(dir.resolve("proxy.yaml"), MINIMAL.replace("static://127.0.0.1:9001",
            "etcd://root:hunter2@127.0.0.1:2379") + "    tls: { cert: " + server.cert() + ", key: " + key + " }\n"
        + "admin: { token: inline-secret }\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-rw-"));
    ConfigLoader.Loaded l = new ConfigLoader(Map.<String, String>of()::get).read(file);
    assertThat(String.join("\n", l.warnings()))
        .contains("is writable by every user of this machine (mode 0666")
        .contains("private key '" + key + "' is readable by every user")
        .contains("holds registry credentials (line 1), admin.token (line 7) in clear")
        .doesNotContain("hunter2").doesNotContain("inline-secret");
    assertThat(ConfigFiles.writableByOthers(file)).isNotNull();
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));
    assertThat(new ConfigLoader(Map.<String, String>of()::get).read(file).warnings()).isEmpty();
    assertThat(ConfigFiles.writableByOthers(file)).isNull();
  }
}
