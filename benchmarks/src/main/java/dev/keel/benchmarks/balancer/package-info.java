/**
 * JMH benchmarks of Keel's balancer against Apache Dubbo's {@code LoadBalance} implementations on
 * the same endpoints. Run both classes in one JMH run; see docs/BENCHMARKS.md.
 */
@org.jspecify.annotations.NullMarked
package dev.keel.benchmarks.balancer;
