package dev.keel.reliability.support;

import java.util.Set;

/**
 * One registry server for a scenario, on free loopback ports, and the raw operations the scenarios
 * need on it: done with the registry's own tools (Curator, {@code etcdctl}, nacos-client), never
 * through Keel. {@link #close()} stops the server and deletes its files; closing again does nothing.
 */
public interface RegistryFixture extends AutoCloseable {
  /** {@code zookeeper}, {@code etcd} or {@code nacos}: names the registry in figures. */
  String name();

  /** Keel's URI of this registry, with short timeouts and {@code extraParams} ({@code a=b&c=d}, or empty). */
  String uri(String extraParams);

  /**
   * The URI the backends' registrar uses; {@link #uri uri("")} unless the fixture needs the registrar
   * on a path of its own (Nacos: a relay that {@link #deleteInstances} cuts).
   */
  default String registrarUri() {
    return uri("");
  }

  /**
   * The same URI with the server's address replaced by {@code 127.0.0.1:port}, to reach it through
   * a {@link dev.keel.testsupport.TcpRelay} (for Nacos, whose clients use the port and the port + 1000,
   * a {@code NacosRelay}).
   */
  String uriVia(int port, String extraParams);

  /** The client port, what a {@link dev.keel.testsupport.TcpRelay} forwards to. */
  int port();

  /** Stops the server: its port is closed and every client loses its connection. */
  void stop() throws Exception;

  /** Starts it again on the same port(s), after {@link #stop()}. */
  void start() throws Exception;

  /** The ids of the instances of {@code service} as the registry holds them now, read raw. */
  Set<String> instanceIds(String service) throws Exception;

  /**
   * Makes the registry push an empty set of {@code service} to its watchers by removing every
   * instance entry behind Keel's back.
   *
   * @return puts them back as they were, where the registering clients do not do it themselves
   */
  Runnable deleteInstances(String service) throws Exception;

  /** Writes an entry of {@code service} named {@code id} that Keel cannot read, bypassing Keel. */
  void writeGarbage(String service, String id) throws Exception;

  @Override
  void close();
}
