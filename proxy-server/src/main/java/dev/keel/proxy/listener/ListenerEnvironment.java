package dev.keel.proxy.listener;

import dev.keel.proxy.plugin.Plugins;
import dev.keel.proxy.transport.Transport;
import dev.keel.registry.Discovery;
import io.netty.channel.EventLoopGroup;

/**
 * What listeners share: the transport, the acceptor and worker groups, discovery, the process's
 * file-descriptor budget, and the plug-ins (whose class loader finds the policies listeners name).
 * Owned by the server, which closes them after the listeners.
 */
public record ListenerEnvironment(Transport transport, EventLoopGroup boss, EventLoopGroup workers, Discovery discovery,
    FileDescriptors fds, Plugins plugins) {
  /** Without plug-ins. */
  public ListenerEnvironment(Transport transport, EventLoopGroup boss, EventLoopGroup workers, Discovery discovery,
      FileDescriptors fds) {
    this(transport, boss, workers, discovery, fds, Plugins.none());
  }
}
