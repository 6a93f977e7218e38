package dev.keel.proxy.tls;

import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * Which protocols and cipher suites Keel's TLS offers. Protocols: TLS 1.3 and 1.2 only. Cipher
 * suites by default: forward secrecy (ECDHE key exchange; every TLS 1.3 suite has it) and
 * authenticated encryption (AES-GCM, ChaCha20-Poly1305) only — no RSA key exchange, no CBC, no
 * SHA-1 MACs. This is Mozilla's "intermediate" profile minus its finite-field DHE suites, and what
 * every client from the last decade speaks. An operator may replace the list ({@code tls.ciphers});
 * each name must be a suite this JVM supports.
 */
public final class CipherPolicy {
  /** TLS 1.3 and TLS 1.2 only: older versions are refused in the handshake. */
  public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");

  /** The default suites, in order of preference. */
  public static final List<String> DEFAULT = List.of(
      "TLS_AES_128_GCM_SHA256",
      "TLS_AES_256_GCM_SHA384",
      "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

  private CipherPolicy() {}

  /**
   * Checks a configured list.
   *
   * @throws IllegalArgumentException naming the first suite this JVM does not support, or an empty list
   */
  public static List<String> check(List<String> suites) {
    if (suites.isEmpty()) {
      throw new IllegalArgumentException("no cipher suites (expected: at least one, e.g. " + DEFAULT.get(0) + ")");
    }
    Set<String> supported = supported();
    for (String s : suites) {
      if (!supported.contains(s)) {
        throw new IllegalArgumentException("cipher suite '" + s + "' is not supported by this JVM (expected: one of "
            + DEFAULT + " or another suite the JVM supports)");
      }
    }
    return List.copyOf(suites);
  }

  private static Set<String> supported() {
    try {
      return new HashSet<>(Arrays.asList(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no default TLS context", e);
    }
  }
}
