/** The multi-process example (`./keel services`); see examples/spring-services/README.md. */
@NullMarked
package dev.keel.examples.services.stock;

import org.jspecify.annotations.NullMarked;
