package dev.keel.grpc.testing;

import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.jspecify.annotations.Nullable;

/**
 * One real ZooKeeper (Curator's {@link TestingServer}, in this JVM, on a free loopback port) for
 * every test class of the run that asks for it; stopped when the run ends. Test classes keep apart
 * by service names of their own, and may open any number of sessions. Use with {@code
 * @ExtendWith(SharedZooKeeper.class)}.
 */
public final class SharedZooKeeper implements BeforeAllCallback {
  private static volatile @Nullable String uri;

  @Override
  public void beforeAll(ExtensionContext context) {
    Holder holder = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
        .getOrComputeIfAbsent(Holder.class, k -> new Holder(), Holder.class);
    uri = "zookeeper://127.0.0.1:" + holder.server.getPort();
  }

  /** {@code zookeeper://127.0.0.1:PORT}. */
  public static String uri() {
    String u = uri;
    if (u == null) {
      throw new IllegalStateException("annotate the test class with @ExtendWith(SharedZooKeeper.class)");
    }
    return u;
  }

  /** Closed by JUnit at the end of the run, as every {@link AutoCloseable} in the root store is. */
  private static final class Holder implements AutoCloseable {
    final TestingServer server;

    Holder() {
      try {
        // No limit on connections per client address (ZooKeeper's default is 60): the fleet test
        // opens a session per client, 200 of them from 127.0.0.1.
        server = new TestingServer(new InstanceSpec(null, -1, -1, -1, true, -1, -1, 0), true);
      } catch (Exception e) {
        throw new IllegalStateException("cannot start the test ZooKeeper", e);
      }
    }

    @Override
    public void close() throws java.io.IOException {
      server.close();
    }
  }
}
