package dev.keel.proxy.listener;

import dev.keel.proxy.config.ListenerConfig;

/**
 * A kind of listener by protocol name ({@code http}, {@code tcp}). Kinds are looked up by
 * {@link ListenerKinds}; a new kind implements this and is added there (or, later, through a
 * ServiceLoader entry).
 */
public interface ListenerKind {
  /** The {@code protocol} value in the config that selects this kind. */
  String protocol();

  /**
   * Binds {@code config}; blocks until bound.
   *
   * @throws IllegalStateException naming the listener and address when it cannot bind
   */
  RunningListener start(ListenerConfig config, ListenerEnvironment env);
}
