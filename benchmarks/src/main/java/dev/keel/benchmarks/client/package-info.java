/** The client's overhead over plain OkHttp, measured against local backends; see docs/BENCHMARKS.md. */
@org.jspecify.annotations.NullMarked
package dev.keel.benchmarks.client;
