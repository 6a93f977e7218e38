/**
 * The registry TCK: {@link dev.keel.registry.tck.RegistryContract}, the contract suite every
 * registry adapter extends and runs against a real server.
 */
@NullMarked
package dev.keel.registry.tck;

import org.jspecify.annotations.NullMarked;
