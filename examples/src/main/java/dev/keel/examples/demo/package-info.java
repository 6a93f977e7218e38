/**
 * {@code ./keel demo}: an in-JVM ZooKeeper, demo backends that register themselves through Keel,
 * {@code keel-proxy} as a child process, steady traffic through it, and scripted events (a kill,
 * a recovery, a scale-out) with the traffic split printed as it moves. Entry point: {@link Demo}.
 */
@NullMarked
package dev.keel.examples.demo;

import org.jspecify.annotations.NullMarked;
