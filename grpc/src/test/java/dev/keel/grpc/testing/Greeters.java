package dev.keel.grpc.testing;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * A {@code memory://} registry of its own, the {@link EchoServer}s of service {@code greeter} that
 * register in it, and channels to it; {@link #close()} shuts all of them down. The servers' client
 * has no empty-push protection, so that the last instance leaves at once.
 */
public final class Greeters implements AutoCloseable {
  public static final String SERVICE = "greeter";

  private final String name = "greeters-" + System.nanoTime();
  private final RegistryClient registry = Registries.open("memory://" + name + "?empty-protection=false");
  private final List<EchoServer> servers = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  /** The servers' registry client. */
  public RegistryClient registry() {
    return registry;
  }

  /** {@code memory://NAME/greeter}. */
  public String target() {
    return "memory://" + name + "/" + SERVICE;
  }

  /** {@code memory://NAME} without the service: a target that lacks one. */
  public String registryUri() {
    return "memory://" + name;
  }

  public EchoServer server(String serverName, Map<String, String> metadata) {
    EchoServer s = new EchoServer(serverName, registry, SERVICE, metadata, Duration.ZERO).start();
    servers.add(s);
    return s;
  }

  /** A channel to {@code target}, built after {@code customize}; shut down by {@link #close()}. */
  public ManagedChannel channel(String target, UnaryOperator<ManagedChannelBuilder<?>> customize) {
    ManagedChannel c = customize.apply(Grpc.newChannelBuilder(target, InsecureChannelCredentials.create())).build();
    channels.add(c);
    return c;
  }

  /** Shuts everything down; an interrupt ends the waits for channels and stays set on the thread. */
  @Override
  public void close() {
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
    try {
      for (ManagedChannel c : channels) {
        c.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    for (EchoServer s : servers) {
      s.close();
    }
    registry.close();
  }
}
