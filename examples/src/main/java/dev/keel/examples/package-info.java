/** Runnable examples of Keel; each has a {@code main} and a test that runs it. */
@NullMarked
package dev.keel.examples;

import org.jspecify.annotations.NullMarked;
