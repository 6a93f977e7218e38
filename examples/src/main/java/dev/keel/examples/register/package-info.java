/** Registering a service instance, keeping it registered, and deregistering on shutdown. */
@NullMarked
package dev.keel.examples.register;

import org.jspecify.annotations.NullMarked;
