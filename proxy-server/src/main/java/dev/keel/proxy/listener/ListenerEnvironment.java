package dev.keel.proxy.listener;

import dev.keel.proxy.transport.Transport;
import dev.keel.registry.Discovery;
import io.netty.channel.EventLoopGroup;

/**
 * What listeners share: the transport, the acceptor and worker groups, discovery, and the
 * process's file-descriptor budget. Owned by the server, which closes them after the listeners.
 */
public record ListenerEnvironment(Transport transport, EventLoopGroup boss, EventLoopGroup workers, Discovery discovery,
    FileDescriptors fds) {}
