/** Test-scope helpers shared by the modules whose tests run Netty. */
@NullMarked
package dev.keel.testsupport;

import org.jspecify.annotations.NullMarked;
