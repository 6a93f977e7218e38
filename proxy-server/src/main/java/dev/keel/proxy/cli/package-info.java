/** The {@code keel-proxy} command line (picocli). */
@NullMarked
package dev.keel.proxy.cli;

import org.jspecify.annotations.NullMarked;
