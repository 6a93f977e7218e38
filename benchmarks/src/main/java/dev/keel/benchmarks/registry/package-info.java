/** Watch latency of the registry adapters against real servers; see docs/BENCHMARKS.md. */
@org.jspecify.annotations.NullMarked
package dev.keel.benchmarks.registry;
