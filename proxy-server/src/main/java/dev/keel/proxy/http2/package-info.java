/**
 * HTTP/2 towards clients, the parts that know no exchange: which protocol a connection speaks (ALPN,
 * or the connection preface sniffed on a clear-text port), the two-step GOAWAY drain, and the
 * budgets that answer floods with GOAWAY ENHANCE_YOUR_CALM. The streams themselves are exchanges,
 * in {@code dev.keel.proxy.http}.
 */
@NullMarked
package dev.keel.proxy.http2;

import org.jspecify.annotations.NullMarked;
