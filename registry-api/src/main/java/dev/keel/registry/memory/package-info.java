/** The in-process {@code memory://} registry, also a test fixture for registry faults. */
@NullMarked
package dev.keel.registry.memory;

import org.jspecify.annotations.NullMarked;
