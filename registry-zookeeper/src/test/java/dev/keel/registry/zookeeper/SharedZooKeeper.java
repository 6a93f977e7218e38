package dev.keel.registry.zookeeper;

import java.io.IOException;
import org.apache.curator.test.TestingServer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One in-JVM ZooKeeper for every test class of the JVM that neither stops nor restarts it:
 * {@code @RegisterExtension static final SharedZooKeeper zk = new SharedZooKeeper();}. Started by
 * the first such class, closed by JUnit when the whole run ends. Classes that stop, restart or
 * expire sessions on their server start their own ({@link ZooKeeperTesting#startServer()}).
 */
final class SharedZooKeeper implements BeforeAllCallback {
  private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedZooKeeper.class);

  private @Nullable TestingServer server;

  @Override
  public void beforeAll(ExtensionContext context) {
    server = context.getRoot().getStore(NAMESPACE)
        .getOrComputeIfAbsent(Running.class, k -> Running.start(), Running.class).server();
  }

  /** The server's {@code host:port}; valid from the class's {@code @BeforeAll} on. */
  String connectString() {
    TestingServer s = server;
    if (s == null) {
      throw new IllegalStateException("SharedZooKeeper is used before its class's @BeforeAll");
    }
    return s.getConnectString();
  }

  /** The running server, in JUnit's root store, which closes it at the end of the run. */
  private record Running(TestingServer server) implements AutoCloseable {
    static Running start() {
      try {
        return new Running(ZooKeeperTesting.startServer());
      } catch (Exception e) {
        throw new IllegalStateException("could not start the shared ZooKeeper", e);
      }
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }
}
