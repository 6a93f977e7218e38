package dev.keel.proxy.config;

import org.jspecify.annotations.Nullable;

/**
 * The admin listener: {@code listen} (null when disabled) and an optional bearer token that
 * {@code /status} and {@code /metrics} requests must carry. {@link #toString()} never shows it.
 */
public record AdminConfig(@Nullable HostPort listen, @Nullable String token) {
  public static final HostPort DEFAULT_LISTEN = new HostPort("127.0.0.1", 9901);

  public static AdminConfig defaults() {
    return new AdminConfig(DEFAULT_LISTEN, null);
  }

  @Override
  public String toString() {
    return "AdminConfig[listen=" + listen + ", token=" + (token == null ? "none" : "(set)") + "]";
  }
}
