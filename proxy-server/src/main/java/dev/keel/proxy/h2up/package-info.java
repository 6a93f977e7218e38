/**
 * HTTP/2 to instances: multiplexed upstream connections per event loop and backend ({@link
 * dev.keel.proxy.h2up.H2Pool}) that respect each instance's {@code SETTINGS_MAX_CONCURRENT_STREAMS}
 * and open another connection when full, streams with flow control end to end ({@link
 * dev.keel.proxy.h2up.H2Stream}), GOAWAY, RST_STREAM, PING keepalive and idle timeouts ({@link
 * dev.keel.proxy.h2up.H2Connection}), and the listener-wide evenness of those connections over the
 * instances ({@link dev.keel.proxy.h2up.H2Balancing}). Knows no exchange: the HTTP side adapts a
 * stream to its {@code RequestSink} in {@code dev.keel.proxy.http.Http2Upstream}.
 */
@NullMarked
package dev.keel.proxy.h2up;

import org.jspecify.annotations.NullMarked;
