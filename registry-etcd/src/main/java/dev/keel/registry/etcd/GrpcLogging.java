package dev.keel.registry.etcd;

import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * grpc-java, under jetcd, logs through {@code java.util.logging}, which prints to stderr in a format
 * of its own unless the application routes it (keel-proxy does, through jul-to-slf4j). One of its
 * lines comes in every JVM that opens an etcd client, at INFO, and says nothing a user can act on:
 * {@code INFO: Epoll available during static init of TcpMetrics:false}. Its logger is set to WARNING
 * here, unless the application gave it a level of its own; grpc's warnings and errors still show.
 */
final class GrpcLogging {
  // java.util.logging keeps loggers weakly: hold it, or the level goes with the next collection.
  private static final Logger TCP_METRICS = Logger.getLogger("io.grpc.netty.TcpMetrics");

  private GrpcLogging() {}

  static void quietStartupNoise() {
    synchronized (TCP_METRICS) {
      if (TCP_METRICS.getLevel() == null) {
        TCP_METRICS.setLevel(Level.WARNING);
      }
    }
  }
}
