package dev.keel.proxy.listener;

import dev.keel.proxy.config.ListenerConfig;
import java.util.Map;

/** The listener kinds of this build, by protocol. */
public final class ListenerKinds {
  private static final Map<String, ListenerKind> KINDS = Map.of("http", new HttpListenerKind(),
      "tcp", new dev.keel.proxy.tcp.TcpListenerKind());

  private ListenerKinds() {}

  /**
   * The kind for {@code config.protocol()}.
   *
   * @throws IllegalArgumentException when this build has none for it (e.g. tcp, for now)
   */
  public static ListenerKind forConfig(ListenerConfig config) {
    ListenerKind kind = KINDS.get(config.protocol());
    if (kind == null) {
      throw new IllegalArgumentException("listener '" + config.name() + "': protocol: '" + config.protocol()
          + "': " + config.protocol() + " listeners are not available in this build (expected: one of " + KINDS.keySet() + ")");
    }
    return kind;
  }
}
