package dev.keel.proxy.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Reads PEM certificate chains and PKCS#8 private keys, and checks that a key belongs to a
 * certificate. Each file is read once, into memory, so a file replaced while it is read cannot
 * give half of the old and half of the new. Errors are {@link IllegalArgumentException}s whose
 * message ends with {@code (expected: ...)}, without the file's content.
 */
public final class Pem {
  private static final String KEY_BEGIN = "-----BEGIN PRIVATE KEY-----";
  private static final String KEY_END = "-----END PRIVATE KEY-----";
  private static final String[] KEY_ALGORITHMS = {"EC", "RSA", "Ed25519", "Ed448", "RSASSA-PSS"};

  private Pem() {}

  /** The certificates of {@code file}, in file order (a chain: the leaf first). */
  public static List<X509Certificate> certificates(Path file) {
    byte[] bytes = read(file, "a PEM certificate file");
    List<X509Certificate> out = new ArrayList<>();
    try {
      for (java.security.cert.Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(new ByteArrayInputStream(bytes))) {
        out.add((X509Certificate) c);
      }
    } catch (CertificateException e) {
      throw new IllegalArgumentException("'" + file + "' holds no readable certificate (expected: PEM, '-----BEGIN CERTIFICATE-----')");
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("'" + file + "' holds no certificate (expected: PEM, '-----BEGIN CERTIFICATE-----')");
    }
    return out;
  }

  /** The unencrypted PKCS#8 private key of {@code file}. */
  public static PrivateKey privateKey(Path file) {
    String text = new String(read(file, "a PEM private key file"), StandardCharsets.US_ASCII);
    int begin = text.indexOf(KEY_BEGIN);
    int end = text.indexOf(KEY_END);
    if (begin < 0 || end < begin) {
      String form = text.contains("ENCRYPTED PRIVATE KEY") ? "an encrypted key"
          : text.contains("RSA PRIVATE KEY") || text.contains("EC PRIVATE KEY") ? "a PKCS#1/SEC1 key" : "no private key";
      throw new IllegalArgumentException("'" + file + "' holds " + form + " (expected: an unencrypted PKCS#8 key,"
          + " '" + KEY_BEGIN + "'; convert one with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8)");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(text.substring(begin + KEY_BEGIN.length(), end));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + file + "' holds a damaged key (expected: base64 between the PEM markers)");
    }
    for (String algorithm : KEY_ALGORITHMS) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
      } catch (GeneralSecurityException e) {
        // not this algorithm: try the next
      }
    }
    throw new IllegalArgumentException("'" + file + "' holds a key this JVM cannot read (expected: an EC, RSA or EdDSA PKCS#8 key)");
  }

  /** True when {@code key} is the private half of {@code cert}'s public key. */
  public static boolean matches(PrivateKey key, X509Certificate cert) {
    PublicKey pub = cert.getPublicKey();
    if (!key.getAlgorithm().equals(pub.getAlgorithm())) {
      return false;
    }
    if (key instanceof RSAKey k && pub instanceof RSAKey p) {
      return k.getModulus().equals(p.getModulus());
    }
    // No public key can be derived from an EC or EdDSA private key here: sign and verify.
    String algorithm = key.getAlgorithm().equals("EC") ? "SHA256withECDSA" : key.getAlgorithm();
    try {
      byte[] probe = new byte[32];
      new SecureRandom().nextBytes(probe);
      Signature sign = Signature.getInstance(algorithm);
      sign.initSign(key);
      sign.update(probe);
      byte[] sig = sign.sign();
      Signature verify = Signature.getInstance(algorithm);
      verify.initVerify(pub);
      verify.update(probe);
      return verify.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /**
   * A warning when {@code file} can be read by every user of the machine (a private key should be
   * readable by the proxy's user only), else null. Null too where POSIX permissions do not apply.
   */
  public static @Nullable String readableByOthers(Path file) {
    try {
      if (Files.getPosixFilePermissions(file).contains(PosixFilePermission.OTHERS_READ)) {
        return "private key '" + file + "' is readable by every user of this machine (chmod o-r '" + file + "')";
      }
    } catch (UnsupportedOperationException | IOException e) {
      return null;
    }
    return null;
  }

  private static byte[] read(Path file, String what) {
    if (!Files.exists(file)) {
      throw new IllegalArgumentException("'" + file + "' (expected: " + what + "; it does not exist)");
    }
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("'" + file + "' (expected: " + what + "; it is not a regular file)");
    }
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("'" + file + "' (expected: " + what + "; it cannot be read: " + e.getMessage() + ")");
    }
  }
}
