package dev.keel.proxy.config;

import java.util.List;

/** What a listener speaks to its instances: {@code http1}, {@code h2c} (cleartext, prior knowledge) or {@code h2} (TLS, ALPN). */
public enum UpstreamProtocol {
  HTTP1("http1"),
  H2C("h2c"),
  H2("h2");

  public static final List<String> NAMES = List.of("http1", "h2c", "h2");
  private final String configName;

  UpstreamProtocol(String configName) {
    this.configName = configName;
  }

  public String configName() {
    return configName;
  }

  public boolean http2() {
    return this != HTTP1;
  }

  /** The protocol of a config name in {@link #NAMES}. */
  public static UpstreamProtocol of(String name) {
    for (UpstreamProtocol p : values()) {
      if (p.configName.equals(name)) {
        return p;
      }
    }
    throw new IllegalArgumentException("upstream.protocol: '" + name + "' (expected: one of " + NAMES + ")");
  }
}
