/** Keel's own plumbing; not API, may change in any release. */
@NullMarked
package dev.keel.registry.internal;

import org.jspecify.annotations.NullMarked;
