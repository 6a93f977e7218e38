/** The proxy's configuration: immutable records read from YAML by {@link dev.keel.proxy.config.ConfigLoader}, with line-numbered errors. */
@NullMarked
package dev.keel.proxy.config;

import org.jspecify.annotations.NullMarked;
