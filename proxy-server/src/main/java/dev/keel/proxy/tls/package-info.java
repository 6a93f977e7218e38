/** TLS contexts for listeners (PEM certificate and key, TLS 1.2 and 1.3 only) and for upstreams. */
@NullMarked
package dev.keel.proxy.tls;

import org.jspecify.annotations.NullMarked;
