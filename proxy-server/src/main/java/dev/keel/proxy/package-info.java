/** keel-proxy: a Netty HTTP load-balancing proxy fed by service discovery; {@link dev.keel.proxy.ProxyServer} runs one configuration. */
@NullMarked
package dev.keel.proxy;

import org.jspecify.annotations.NullMarked;
