/**
 * Plug-ins of keel-proxy: jars of custom balancing policies and registry adapters, loaded from a
 * directory at start-up ({@link dev.keel.proxy.plugin.Plugins}).
 */
@NullMarked
package dev.keel.proxy.plugin;

import org.jspecify.annotations.NullMarked;
