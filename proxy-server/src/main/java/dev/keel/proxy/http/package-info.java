/**
 * The HTTP reverse proxy: strict request decoding, header rewriting, one exchange per request or
 * HTTP/2 stream with backpressure both ways, gRPC calls, Upgrade tunnels.
 */
@NullMarked
package dev.keel.proxy.http;

import org.jspecify.annotations.NullMarked;
