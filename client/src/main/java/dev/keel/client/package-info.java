/**
 * Keel's in-app client: OkHttp calls by service name ({@link dev.keel.client.KeelOkHttp}) and
 * long-lived connections kept evenly spread ({@link dev.keel.client.LongConnections}). Both use the
 * {@code balancer} module unchanged.
 */
@NullMarked
package dev.keel.client;

import org.jspecify.annotations.NullMarked;
