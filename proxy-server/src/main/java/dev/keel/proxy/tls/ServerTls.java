package dev.keel.proxy.tls;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * TLS termination on a listener: the files it reads and the policy it applies. Immutable; the files
 * are read by {@link TlsMaterial#load} when the listener starts and at every reload.
 *
 * @param cert PEM certificate chain, the listener's own certificate first
 * @param key PEM PKCS#8 private key of that certificate
 * @param clientAuth whether clients must present a certificate (mTLS)
 * @param clientCa PEM file of the CAs whose client certificates are accepted; required unless
 *     {@code clientAuth} is {@link ClientAuth#NONE}
 * @param handshakeTimeout a connection whose handshake has not completed this long after it was
 *     accepted is closed
 * @param ciphers the TLS 1.2 and 1.3 cipher suites offered, in order of preference (JDK names)
 */
public record ServerTls(String cert, String key, ClientAuth clientAuth, @Nullable String clientCa, Duration handshakeTimeout,
    List<String> ciphers) {
  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  public ServerTls {
    requireNonNull(cert, "cert");
    requireNonNull(key, "key");
    requireNonNull(clientAuth, "clientAuth");
    requireNonNull(handshakeTimeout, "handshakeTimeout");
    ciphers = List.copyOf(ciphers);
    if (clientAuth != ClientAuth.NONE && clientCa == null) {
      throw new IllegalArgumentException("clientCa: null (expected: a CA file when clientAuth is " + clientAuth.configName() + ")");
    }
  }

  /** A certificate and key with every other setting at its default: no client certificates, {@link CipherPolicy#DEFAULT}. */
  public static ServerTls of(String cert, String key) {
    return new ServerTls(cert, key, ClientAuth.NONE, null, DEFAULT_HANDSHAKE_TIMEOUT, CipherPolicy.DEFAULT);
  }

  /** Client certificates: not asked for, asked for but optional, or required. */
  public enum ClientAuth {
    NONE, OPTIONAL, REQUIRE;

    /** The config value: {@code none}, {@code optional}, {@code require}. */
    public String configName() {
      return name().toLowerCase(Locale.ROOT);
    }

    public static final List<String> CONFIG_NAMES = List.of("none", "optional", "require");

    /**
     * The policy a config value names.
     *
     * @throws IllegalArgumentException when {@code name} is none of {@link #CONFIG_NAMES}
     */
    public static ClientAuth of(String name) {
      return valueOf(name.toUpperCase(Locale.ROOT));
    }
  }
}
