/** The multi-process example (`./keel services`); see examples/spring-services/README.md. */
@NullMarked
package dev.keel.examples.services;

import org.jspecify.annotations.NullMarked;
