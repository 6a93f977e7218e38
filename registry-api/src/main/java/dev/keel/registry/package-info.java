/**
 * Keel's registry API: register service instances, resolve and watch them.
 *
 * <p>{@link dev.keel.registry.Registries#open(String)} finds an adapter by URI scheme through
 * {@link java.util.ServiceLoader} and wraps it with the guards every adapter shares (empty-push
 * protection, the snapshot cache, ordered per-listener delivery).
 */
@NullMarked
package dev.keel.registry;

import org.jspecify.annotations.NullMarked;
