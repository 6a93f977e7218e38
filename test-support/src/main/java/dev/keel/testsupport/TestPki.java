package dev.keel.testsupport;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.net.Socket;
import java.security.Principal;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.jspecify.annotations.Nullable;

/**
 * A throw-away public key infrastructure for tests, made with the {@code openssl} command (EC
 * P-256 or RSA 2048, valid two days, about 10 ms per EC certificate): certificate authorities, intermediates and
 * leaf certificates with the subject alternative names a test needs, written as PEM files (keys as
 * unencrypted PKCS#8, what Keel reads), and JDK {@link SSLContext}s built from them for test
 * clients and servers.
 *
 * <pre>{@code
 * TestPki pki = new TestPki(tempDir);
 * TestPki.Authority ca = pki.authority("ca");
 * TestPki.Leaf server = ca.issue("server", "IP:127.0.0.1", "DNS:backend.test");
 * SSLContext client = TestPki.clientContext(ca, null);
 * }</pre>
 */
public final class TestPki {
  private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());
  private final Path dir;
  private final List<String> newKey;

  /** Files go to {@code dir}, which must exist; keys are EC P-256. */
  public TestPki(Path dir) {
    this(dir, List.of("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"));
  }

  private TestPki(Path dir, List<String> newKey) {
    this.dir = dir;
    this.newKey = newKey;
  }

  /** Like {@link #TestPki(Path)} with RSA 2048 keys (for what only RSA certificates can show, like RSA key exchange). */
  public static TestPki rsa(Path dir) {
    return new TestPki(dir, List.of("-newkey", "rsa:2048"));
  }

  /** A new self-signed certificate authority. */
  public Authority authority(String name) {
    Path key = dir.resolve(name + ".key");
    Path cert = dir.resolve(name + ".pem");
    openssl(withKey(List.of("req", "-x509"), "-nodes", "-keyout", key.toString(),
        "-out", cert.toString(), "-days", "2", "-subj", "/CN=" + name, "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign"));
    return new Authority(name, cert, key, cert);
  }

  /** A CA certificate, or one that issued an intermediate: it signs and it is what peers trust. */
  public final class Authority {
    private final String name;
    private final Path cert;
    private final Path key;
    private final Path chain;

    private Authority(String name, Path cert, Path key, Path chain) {
      this.name = name;
      this.cert = cert;
      this.key = key;
      this.chain = chain;
    }

    /** Its own certificate (what a peer trusts, for a root). */
    public Path cert() {
      return cert;
    }

    /**
     * A leaf certificate signed by this authority, for server and client use, with these subject
     * alternative names ({@code IP:127.0.0.1}, {@code DNS:localhost}; none for a client).
     */
    public Leaf issue(String leafName, String... subjectAltNames) {
      Path leafKey = dir.resolve(leafName + ".key");
      Path csr = dir.resolve(leafName + ".csr");
      Path leafCert = dir.resolve(leafName + ".crt");
      Path ext = dir.resolve(leafName + ".ext");
      StringBuilder e = new StringBuilder("basicConstraints=critical,CA:FALSE\nextendedKeyUsage=serverAuth,clientAuth\n");
      if (subjectAltNames.length > 0) {
        e.append("subjectAltName=").append(String.join(",", subjectAltNames)).append('\n');
      }
      write(ext, e.toString());
      openssl(withKey(List.of("req"), "-nodes", "-keyout", leafKey.toString(),
          "-out", csr.toString(), "-subj", "/CN=" + leafName));
      sign(csr, leafCert, ext);
      Path fullChain = dir.resolve(leafName + ".pem");
      write(fullChain, read(leafCert) + (chain.equals(cert) ? "" : read(chain)));
      return new Leaf(fullChain, leafKey);
    }

    /** An intermediate authority signed by this one; what it issues carries it in the chain. */
    public Authority intermediate(String intermediateName) {
      Path k = dir.resolve(intermediateName + ".key");
      Path csr = dir.resolve(intermediateName + ".csr");
      Path c = dir.resolve(intermediateName + ".pem");
      Path ext = dir.resolve(intermediateName + ".ext");
      write(ext, "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n");
      openssl(withKey(List.of("req"), "-nodes", "-keyout", k.toString(),
          "-out", csr.toString(), "-subj", "/CN=" + intermediateName));
      sign(csr, c, ext);
      Path intermediateChain = dir.resolve(intermediateName + "-chain.pem");
      write(intermediateChain, read(c) + (chain.equals(cert) ? "" : read(chain)));
      return new Authority(intermediateName, c, k, intermediateChain);
    }

    private void sign(Path csr, Path out, Path ext) {
      openssl("x509", "-req", "-in", csr.toString(), "-CA", cert.toString(), "-CAkey", key.toString(),
          "-set_serial", Long.toString(SERIAL.incrementAndGet() & Long.MAX_VALUE), "-out", out.toString(), "-days", "2",
          "-extfile", ext.toString());
    }

    @Override
    public String toString() {
      return "authority " + name;
    }
  }

  /**
   * A leaf certificate: {@code cert} is its chain (the leaf, then any intermediates), {@code key}
   * its PKCS#8 private key.
   */
  public record Leaf(Path cert, Path key) {}

  /** A client context trusting {@code trusted}, presenting {@code identity} when a server asks (null: none). */
  public static SSLContext clientContext(Authority trusted, @Nullable Leaf identity) {
    return context(identity, trusted);
  }

  /**
   * A client context that presents {@code identity} whatever issuers the server asks for, as a
   * misconfigured or hostile client would (the JDK's own key manager sends no certificate when
   * the server lists other issuers).
   */
  public static SSLContext insistentClientContext(Authority trusted, Leaf identity) {
    try {
      X509KeyManager base = (X509KeyManager) keyManagers(identity)[0];
      X509KeyManager insistent = new X509ExtendedKeyManager() {
        @Override
        public String[] getClientAliases(String keyType, Principal[] issuers) {
          return new String[] {"id"};
        }

        @Override
        public String chooseClientAlias(String[] keyType, Principal[] issuers, Socket socket) {
          return "id";
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, Principal[] issuers, SSLEngine engine) {
          return "id";
        }

        @Override
        public String @Nullable [] getServerAliases(String keyType, Principal[] issuers) {
          return null;
        }

        @Override
        public @Nullable String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
          return null;
        }

        @Override
        public X509Certificate[] getCertificateChain(String alias) {
          return base.getCertificateChain(alias);
        }

        @Override
        public PrivateKey getPrivateKey(String alias) {
          return base.getPrivateKey(alias);
        }
      };
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(new KeyManager[] {insistent}, trustManagers(trusted), null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("test TLS context: " + e, e);
    }
  }

  /** A server context presenting {@code identity}, trusting client certificates of {@code clients} (null: none asked). */
  public static SSLContext serverContext(Leaf identity, @Nullable Authority clients) {
    return context(identity, clients);
  }

  private static SSLContext context(@Nullable Leaf identity, @Nullable Authority trusted) {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(identity == null ? null : keyManagers(identity), trusted == null ? null : trustManagers(trusted), null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("test TLS context: " + e, e);
    }
  }

  private static KeyManager[] keyManagers(Leaf identity) throws GeneralSecurityException, IOException {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    ks.load(null, null);
    ks.setKeyEntry("id", privateKey(identity.key()), new char[0], certificates(identity.cert()).toArray(new Certificate[0]));
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, new char[0]);
    return kmf.getKeyManagers();
  }

  private static TrustManager[] trustManagers(Authority trusted) throws GeneralSecurityException, IOException {
    KeyStore ts = KeyStore.getInstance("PKCS12");
    ts.load(null, null);
    ts.setCertificateEntry("ca", certificates(trusted.cert()).get(0));
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ts);
    return tmf.getTrustManagers();
  }

  /** The certificates of a PEM file. */
  public static List<Certificate> certificates(Path pem) {
    try {
      return new ArrayList<>(CertificateFactory.getInstance("X.509")
          .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(pem))));
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException(pem + ": " + e, e);
    }
  }

  /** The EC or RSA private key of a PKCS#8 PEM file. */
  public static PrivateKey privateKey(Path pem) {
    String text = read(pem);
    String b64 = text.substring(text.indexOf("-----BEGIN PRIVATE KEY-----") + 27, text.indexOf("-----END PRIVATE KEY-----"));
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(b64));
    try {
      return KeyFactory.getInstance("EC").generatePrivate(spec);
    } catch (GeneralSecurityException notEc) {
      try {
        return KeyFactory.getInstance("RSA").generatePrivate(spec);
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(pem + ": " + e, e);
      }
    }
  }

  private String[] withKey(List<String> command, String... rest) {
    List<String> args = new ArrayList<>(command);
    args.addAll(newKey);
    args.addAll(List.of(rest));
    return args.toArray(new String[0]);
  }

  private void openssl(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add("openssl");
    cmd.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IllegalStateException("openssl " + String.join(" ", args) + " failed: " + out);
      }
    } catch (IOException e) {
      throw new IllegalStateException("openssl cannot be run (install it: apt-get install openssl): " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Path p, String text) {
    try {
      Files.writeString(p, text, StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
