/**
 * {@link dev.keel.registry.nacos.testserver.NacosTestServer}: a Nacos naming protocol emulator for
 * tests, not a Nacos server.
 */
@NullMarked
package dev.keel.registry.nacos.testserver;

import org.jspecify.annotations.NullMarked;
