package dev.keel.proxy.tls;

import org.jspecify.annotations.Nullable;

/**
 * A TLS file that cannot be used: {@link #key()} names the config key that names it
 * ({@code tls.cert}, {@code upstream.key}, ...), {@link #problem()} says what is wrong
 * ({@code '/etc/keel/cert.pem' (expected: a PEM certificate file; it does not exist)}), so that
 * the config loader can point at the line.
 */
public final class TlsFileException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String key;
  private final String problem;

  TlsFileException(String key, String problem, @Nullable Throwable cause) {
    super(key + ": " + problem, cause);
    this.key = key;
    this.problem = problem;
  }

  /** The config key under the listener: {@code tls.cert}, {@code tls.key}, {@code tls.client-ca}, {@code upstream.ca}, ... */
  public String key() {
    return key;
  }

  public String problem() {
    return problem;
  }
}
