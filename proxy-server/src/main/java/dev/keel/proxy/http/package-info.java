/** The HTTP/1.1 reverse proxy: strict request decoding, header rewriting, streaming exchange with backpressure, Upgrade tunnels. */
@NullMarked
package dev.keel.proxy.http;

import org.jspecify.annotations.NullMarked;
