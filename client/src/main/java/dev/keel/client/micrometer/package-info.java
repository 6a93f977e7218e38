/**
 * Micrometer bindings of {@link dev.keel.client.ClientMetrics}. The only package of this module that
 * names Micrometer types: load it only when Micrometer is on the class path.
 */
@NullMarked
package dev.keel.client.micrometer;

import org.jspecify.annotations.NullMarked;
