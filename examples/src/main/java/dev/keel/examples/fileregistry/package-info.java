/**
 * A registry adapter kept in one JSON file, {@code file:///path/to/registry.json}: the worked
 * example of how to plug a new registry into Keel. {@link
 * dev.keel.examples.fileregistry.FileRegistryProvider} is the entry point; the raw client and the
 * file format are package-private.
 */
@NullMarked
package dev.keel.examples.fileregistry;

import org.jspecify.annotations.NullMarked;
