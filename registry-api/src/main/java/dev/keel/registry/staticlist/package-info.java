/** The read-only {@code static://} registry: a fixed list of addresses. */
@NullMarked
package dev.keel.registry.staticlist;

import org.jspecify.annotations.NullMarked;
