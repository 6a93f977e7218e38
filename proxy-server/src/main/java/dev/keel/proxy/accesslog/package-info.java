/**
 * The per-listener access log of keel-proxy: one line per HTTP exchange, as JSON or in the combined
 * format, written by one writer thread per listener from a bounded queue, so an event loop only
 * ever enqueues and a slow disk costs dropped (and counted) lines, never latency.
 */
@NullMarked
package dev.keel.proxy.accesslog;

import org.jspecify.annotations.NullMarked;
