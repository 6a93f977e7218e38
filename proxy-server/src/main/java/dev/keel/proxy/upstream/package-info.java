/** Choosing and connecting to upstream instances: the picker seam, per-event-loop keep-alive pools, per-backend statistics. */
@NullMarked
package dev.keel.proxy.upstream;

import org.jspecify.annotations.NullMarked;
