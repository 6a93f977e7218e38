/**
 * Load generators and backends for the proxy's scripted benchmarks (benchmarks/proxy/*.sh): NIO
 * clients and echo backends on loopback, the proxy under test, the rebalance scenario.
 */
@org.jspecify.annotations.NullMarked
package dev.keel.benchmarks.proxy;
