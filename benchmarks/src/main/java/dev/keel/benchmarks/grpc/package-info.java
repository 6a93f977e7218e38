/** gRPC: the per-RPC cost of the keel policy next to grpc-java's round_robin, and a load client. */
@NullMarked
package dev.keel.benchmarks.grpc;

import org.jspecify.annotations.NullMarked;
