/**
 * Implementations behind {@code dev.keel.grpc}: the name resolver and load-balancer providers
 * (public only because {@link java.util.ServiceLoader} and grpc-java's registries need them to be).
 * Not an API; may change at any time.
 */
@org.jspecify.annotations.NullMarked
package dev.keel.grpc.internal;
