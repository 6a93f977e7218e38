package dev.keel.testsupport;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * A test certificate authority and leaf certificates it issued, by alias: the shape the client's
 * and the starter's HTTPS tests use, made by {@link TestPki} (openssl, EC P-256). Clients trust the
 * CA only; each server presents one leaf with its chain. The leaves are also written to
 * {@code ca.p12} in the directory (PKCS#12, password {@code changeit}, each under its alias, with
 * the CA in its chain), for servers configured by key store. Not thread-safe; make one per test class.
 */
public final class TestCa {
  private static final char[] PASS = "changeit".toCharArray();
  private final TestPki.Authority ca;
  private final Map<String, TestPki.Leaf> leaves = new HashMap<>();

  /**
   * @param leaves alias and subject alternative names of each leaf, e.g. {@code "orders",
   *     "dns:orders,ip:127.0.0.1"}
   */
  public TestCa(Path dir, String... leaves) throws Exception {
    ca = new TestPki(dir).authority("ca");
    for (int i = 0; i < leaves.length; i += 2) {
      String[] sans = leaves[i + 1].split(",");
      for (int j = 0; j < sans.length; j++) {
        int colon = sans[j].indexOf(':');
        sans[j] = sans[j].substring(0, colon).toUpperCase(Locale.ROOT) + sans[j].substring(colon); // dns:x -> DNS:x
      }
      this.leaves.put(leaves[i], ca.issue(leaves[i], sans));
    }
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    Certificate caCert = TestPki.certificates(ca.cert()).get(0);
    store.setCertificateEntry("ca", caCert);
    for (Map.Entry<String, TestPki.Leaf> e : this.leaves.entrySet()) {
      Certificate leaf = TestPki.certificates(e.getValue().cert()).get(0);
      store.setKeyEntry(e.getKey(), TestPki.privateKey(e.getValue().key()), PASS, new Certificate[] {leaf, caCert});
    }
    try (OutputStream out = Files.newOutputStream(dir.resolve("ca.p12"))) {
      store.store(out, PASS);
    }
  }

  /** The CA certificate as PEM (for trust stores configured by file, such as Spring SSL bundles). */
  public String caPem() throws Exception {
    return Files.readString(ca.cert(), StandardCharsets.US_ASCII);
  }

  /** A trust manager that trusts this CA and nothing else. */
  public X509TrustManager trustManager() throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", TestPki.certificates(ca.cert()).get(0));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    return (X509TrustManager) tmf.getTrustManagers()[0];
  }

  /** A client SSL context that trusts this CA only. */
  public SSLContext clientContext() {
    return TestPki.clientContext(ca, null);
  }

  /** A server SSL context presenting the leaf {@code alias} and its chain. */
  public SSLContext serverContext(String alias) {
    TestPki.Leaf leaf = leaves.get(alias);
    if (leaf == null) {
      throw new IllegalArgumentException("alias: '" + alias + "' (expected one of " + leaves.keySet() + ")");
    }
    return TestPki.serverContext(leaf, null);
  }
}
