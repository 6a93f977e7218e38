/** Implementations behind the {@code dev.keel.balancer} API; not an API, may change at any time. */
@org.jspecify.annotations.NullMarked
package dev.keel.balancer.internal;
