/**
 * {@code tcp} listeners: an L4 relay (zero-copy splice on epoll, a buffered relay with backpressure
 * otherwise) whose connections are placed and rebalanced by the balancer's {@code ConnectionBalancer}.
 */
@NullMarked
package dev.keel.proxy.tcp;

import org.jspecify.annotations.NullMarked;
