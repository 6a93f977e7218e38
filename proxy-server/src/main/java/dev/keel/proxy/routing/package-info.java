/**
 * Services opened on demand: the balancers a listener's routes send to, one per service name and
 * balancing settings, opened on first use, watched through the registry, closed when idle or beyond
 * the listener's bound ({@link dev.keel.proxy.routing.ServiceDirectory}).
 */
@NullMarked
package dev.keel.proxy.routing;

import org.jspecify.annotations.NullMarked;
