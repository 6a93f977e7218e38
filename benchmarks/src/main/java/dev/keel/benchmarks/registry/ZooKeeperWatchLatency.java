package dev.keel.benchmarks.registry;

import dev.keel.registry.RegistryClient;
import dev.keel.registry.zookeeper.ZooKeeperRegistry;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.Version;

/**
 * Register-to-watch latency of the ZooKeeper adapter: the time from calling {@code register} on
 * one client until another client's {@code watch} listener receives a snapshot holding the new
 * instance, over N sequential registrations (default 1,000) in one service.
 *
 * <p>Runs a real ZooKeeper in this JVM (Curator's {@code TestingServer}, data in a temporary
 * directory it deletes on close). Run (see docs/BENCHMARKS.md):
 * <pre>
 * mvn -B -o -pl registry-zookeeper install -DskipTests
 * mvn -B -o -pl benchmarks compile dependency:build-classpath -Dmdep.outputFile=target/classpath.txt
 * java -cp benchmarks/target/classes:$(cat benchmarks/target/classpath.txt) dev.keel.benchmarks.registry.ZooKeeperWatchLatency 1000
 * </pre>
 */
public final class ZooKeeperWatchLatency {
  private ZooKeeperWatchLatency() {}

  public static void main(String[] args) throws Exception {
    // The in-JVM server logs every session at INFO; keep the output to the result.
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.zookeeper", System.getProperty("org.slf4j.simpleLogger.log.org.apache.zookeeper", "warn"));
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.curator", System.getProperty("org.slf4j.simpleLogger.log.org.apache.curator", "warn"));
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    try (TestingServer server = new TestingServer(true);
         RegistryClient registrant = ZooKeeperRegistry.builder().connectString(server.getConnectString()).build();
         RegistryClient watcher = ZooKeeperRegistry.builder().connectString(server.getConnectString()).build()) {
      WatchLatency.measureAndPrint("ZooKeeper " + Version.getFullVersion().split("[-,]")[0] + " (in-JVM TestingServer)",
          registrant, watcher, n);
    }
  }
}
