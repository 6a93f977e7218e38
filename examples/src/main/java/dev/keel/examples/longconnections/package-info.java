/** Long-lived connections kept even with LongConnections as instances join. */
@NullMarked
package dev.keel.examples.longconnections;

import org.jspecify.annotations.NullMarked;
