package dev.keel.testsupport;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * A test certificate authority and leaf certificates it issued, made with the JDK's keytool
 * ({@code -genkeypair -signer}: one run per certificate). Clients trust the CA only; each server
 * presents one leaf with its chain. Not thread-safe; make one per test class.
 */
public final class TestCa {
  private static final char[] PASS = "changeit".toCharArray();
  private final Path store;
  private final KeyStore keys;

  /**
   * @param leaves alias and subject alternative names of each leaf, e.g. {@code "orders",
   *     "dns:orders,ip:127.0.0.1"}
   */
  public TestCa(Path dir, String... leaves) throws Exception {
    store = dir.resolve("ca.p12");
    keytool("-genkeypair", "-alias", "ca", "-dname", "CN=Keel test CA", "-ext", "bc:c");
    for (int i = 0; i < leaves.length; i += 2) {
      keytool("-genkeypair", "-alias", leaves[i], "-dname", "CN=" + leaves[i], "-signer", "ca",
          "-signerkeypass", new String(PASS), "-ext", "san=" + leaves[i + 1]);
    }
    keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keys.load(in, PASS);
    }
  }

  private void keytool(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2", "-storetype", "PKCS12",
        "-keystore", store.toString(), "-storepass", new String(PASS), "-keypass", new String(PASS)));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + out);
    }
  }

  /** The CA certificate as PEM (for trust stores configured by file, such as Spring SSL bundles). */
  public String caPem() throws Exception {
    return "-----BEGIN CERTIFICATE-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(keys.getCertificate("ca").getEncoded())
        + "\n-----END CERTIFICATE-----\n";
  }

  /** A trust manager that trusts this CA and nothing else. */
  public X509TrustManager trustManager() throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", keys.getCertificate("ca"));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    return (X509TrustManager) tmf.getTrustManagers()[0];
  }

  /** A client SSL context that trusts this CA only. */
  public SSLContext clientContext() throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {trustManager()}, null);
    return ctx;
  }

  /** A server SSL context presenting the leaf {@code alias} and its chain. */
  public SSLContext serverContext(String alias) throws Exception {
    KeyStore one = KeyStore.getInstance("PKCS12");
    one.load(null, null);
    Certificate[] chain = keys.getCertificateChain(alias);
    if (chain.length < 2 || !((X509Certificate) chain[1]).getSubjectX500Principal().getName().contains("Keel test CA")) {
      chain = new Certificate[] {chain[0], keys.getCertificate("ca")};
    }
    one.setKeyEntry(alias, (PrivateKey) keys.getKey(alias, PASS), PASS, chain);
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(one, PASS);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), null, null);
    return ctx;
  }
}
