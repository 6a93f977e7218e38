/** Event-loop groups and channel classes: native epoll when available, NIO otherwise. */
@NullMarked
package dev.keel.proxy.transport;

import org.jspecify.annotations.NullMarked;
