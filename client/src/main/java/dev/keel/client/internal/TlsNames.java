package dev.keel.client.internal;

import static java.util.Objects.requireNonNull;

import java.net.IDN;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/** Rules for the names HTTPS calls are verified against (service names and {@code tlsServerName}). */
public final class TlsNames {
  /**
   * The longest name accepted: Keel's per-instance host name adds one label (at most 27 characters)
   * and the suffix {@code .keel.invalid} to it, and a host name has at most 253.
   */
  static final int MAX_LENGTH = 200;

  private TlsNames() {}

  /**
   * {@code name} lower-cased when a certificate can be verified against it and SNI can carry it: an
   * ASCII DNS name of letters, digits, hyphens and dots, at most 200 characters, not an IP address
   * (SNI cannot carry one, RFC 6066 §3).
   *
   * @throws IllegalArgumentException naming {@code field} and the value otherwise
   */
  public static String check(String field, String name) {
    requireNonNull(name, field);
    String problem = problem(name.toLowerCase(Locale.ROOT));
    if (problem != null) {
      throw new IllegalArgumentException(field + ": '" + name + "' (expected: " + problem + ")");
    }
    return name.toLowerCase(Locale.ROOT);
  }

  /** What is wrong with {@code lower} as a TLS server name, or null when nothing is. */
  static @Nullable String problem(String lower) {
    if (lower.isEmpty() || lower.length() > MAX_LENGTH) {
      return "1.." + MAX_LENGTH + " characters";
    }
    if (lower.indexOf(':') >= 0 || lower.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'))) {
      return "a DNS name, not an IP address, which SNI cannot carry";
    }
    boolean ascii;
    try {
      ascii = IDN.toASCII(lower, IDN.USE_STD3_ASCII_RULES).equals(lower);
    } catch (IllegalArgumentException e) {
      ascii = false;
    }
    if (!ascii || lower.startsWith(".") || lower.endsWith(".") || lower.contains("..")) {
      return "an ASCII DNS name of letters, digits, hyphens and dots";
    }
    return null;
  }
}
