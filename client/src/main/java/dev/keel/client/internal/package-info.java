/** Implementations behind {@code dev.keel.client}; not API, may change without notice. */
@NullMarked
package dev.keel.client.internal;

import org.jspecify.annotations.NullMarked;
