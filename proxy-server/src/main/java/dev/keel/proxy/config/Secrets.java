package dev.keel.proxy.config;

import dev.keel.registry.RegistryUri;
import java.util.Locale;

/**
 * What a config error may show of a value: a config error is printed by {@code keel-proxy check},
 * logged on a failed reload and often pasted into tickets, so it must not carry a credential.
 */
final class Secrets {
  static final String HIDDEN = "(secret, not shown)";

  private Secrets() {}

  /** Whether the key at {@code path} holds a credential (admin.token, a password, an api key). */
  static boolean isSecretKey(String path) {
    String key = path.substring(path.lastIndexOf('.') + 1).replaceAll("\\[\\d+]$", "").toLowerCase(Locale.ROOT);
    return key.contains("token") || key.contains("password") || key.contains("secret") || key.endsWith("key");
  }

  /** Whether a registry URI carries a credential: a password in its user-info or a secret parameter. */
  static boolean registryHasCredentials(String uri) {
    try {
      RegistryUri u = RegistryUri.parse(uri);
      return u.password() != null || u.params().keySet().stream().anyMatch(k -> isSecretKey(k));
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** {@code text}, the value at {@code path}, as an error may show it. */
  static String shown(String path, String text) {
    if (isSecretKey(path)) {
      return HIDDEN;
    }
    if (path.equals("registry")) {
      // The registry URI carries credentials as user-info or parameters: show it redacted or not at all.
      try {
        return RegistryUri.parse(text).toString();
      } catch (IllegalArgumentException e) {
        return HIDDEN;
      }
    }
    return text;
  }
}
