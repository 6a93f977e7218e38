/** gRPC channels by service name through Keel: the keel and keel_connection policies, server registration. */
@NullMarked
package dev.keel.examples.grpc;

import org.jspecify.annotations.NullMarked;
