/** The multi-process example (`./keel services`); see examples/spring-services/README.md. */
@NullMarked
package dev.keel.examples.services.orders;

import org.jspecify.annotations.NullMarked;
