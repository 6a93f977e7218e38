package dev.keel.registry.nacos.testserver;

import com.alibaba.nacos.common.remote.PayloadRegistry;
import com.alibaba.nacos.shaded.io.grpc.Server;
import com.alibaba.nacos.shaded.io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import com.alibaba.nacos.shaded.io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A Nacos naming <em>protocol emulator for tests</em>; not a Nacos server.
 *
 * <p>It speaks, on loopback, the gRPC protocol nacos-client 2.x uses for naming (gRPC port = HTTP
 * port + 1000): the server check, the bi-directional stream with its setup request, health checks,
 * single and batch registration of ephemeral instances, deregistration, subscriptions with pushes
 * ({@code NotifySubscriberRequest}), instance queries and service lists, with namespaces, groups and
 * clusters. A connection's instances and subscriptions go when it closes. On the HTTP port it serves
 * only the login of user-name credentials; access keys are checked by their request signatures.
 *
 * <p>Not emulated: persistent instances, health checking of instances (an instance is as healthy as its
 * client says), config, clustering of servers, ability negotiation, TLS, and every HTTP API other than
 * login. The gRPC server classes are the ones shaded inside nacos-client.
 *
 * <p>{@link #restart()} stops it (clients lose their connection and every registration, as with a
 * restarted Nacos whose ephemeral data is gone) and starts it again on the same ports; clients reconnect
 * and restore their registrations and subscriptions themselves.
 */
public final class NacosTestServer implements AutoCloseable {
  private final int httpPort;
  private final Auth auth;
  private @Nullable Server grpc;
  private @Nullable Connections connections;

  private NacosTestServer(int httpPort, Auth auth) {
    this.httpPort = httpPort;
    this.auth = auth;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A server on free loopback ports, without credentials. */
  public static NacosTestServer start() {
    return builder().start();
  }

  /** The HTTP port (what clients are given); gRPC listens on this + 1000. */
  public int httpPort() {
    return httpPort;
  }

  public int grpcPort() {
    return httpPort + 1000;
  }

  /** {@code 127.0.0.1:httpPort}, as nacos-client's {@code serverAddr}. */
  public String address() {
    return "127.0.0.1:" + httpPort;
  }

  private synchronized void startGrpc() {
    PayloadRegistry.init();
    Connections c = new Connections();
    try {
      grpc = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", grpcPort()))
          .withOption(ChannelOption.SO_REUSEADDR, true)
          .addTransportFilter(c).intercept(c)
          .addService(new RequestService(c, auth)).addService(new StreamService(c))
          .permitKeepAliveTime(1, TimeUnit.SECONDS).permitKeepAliveWithoutCalls(true)
          .maxInboundMessageSize(64 * 1024 * 1024)
          .build().start();
    } catch (IOException e) {
      c.shutdown();
      throw new UncheckedIOException("nacos test server: cannot listen on " + grpcPort(), e);
    }
    connections = c;
  }

  private synchronized void stopGrpc() {
    Server s = grpc;
    Connections c = connections;
    grpc = null;
    connections = null;
    if (c != null) {
      c.clear();
    }
    if (s != null) {
      s.shutdownNow();
      try {
        s.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (c != null) {
      c.shutdown();
    }
  }

  /**
   * Stops serving naming, as a Nacos that is down: the gRPC port is closed, and every connection and
   * registration is lost. {@link #resume()} serves again.
   */
  public void stop() {
    stopGrpc();
  }

  /** Serves again on the same ports after {@link #stop()}, with no registrations (ephemeral data is gone). */
  public synchronized void resume() {
    if (grpc == null) {
      startGrpc();
    }
  }

  /** Stops (every connection and registration is lost) and starts again on the same ports. */
  public void restart() {
    stopGrpc();
    startGrpc();
  }

  /** Ids of the open connections. */
  public synchronized Set<String> connectionIds() {
    return connections == null ? Set.of() : connections.ids();
  }

  /** Connections subscribed to {@code service} (in any namespace and group). */
  public synchronized Set<String> subscribersOf(String service) {
    return connections == null ? Set.of() : connections.store.subscribersOf(service);
  }

  /** Drops a connection: its registrations and subscriptions go and its stream is failed. */
  public synchronized void dropConnection(String id) {
    if (connections != null) {
      connections.drop(id);
    }
  }

  @Override
  public void close() {
    stopGrpc();
    auth.stopHttp();
  }

  /** Builds a {@link NacosTestServer}. */
  public static final class Builder {
    private final Map<String, String> users = new LinkedHashMap<>();
    private final Map<String, String> keys = new LinkedHashMap<>();

    private Builder() {}

    /** Requires clients to log in; this user is accepted. */
    public Builder user(String username, String password) {
      users.put(username, password);
      return this;
    }

    /** Requires signed requests; this key pair is accepted. */
    public Builder accessKey(String accessKey, String secretKey) {
      keys.put(accessKey, secretKey);
      return this;
    }

    /** Starts on a free pair of loopback ports (P for HTTP, P + 1000 for gRPC). */
    public NacosTestServer start() {
      IOException last = null;
      for (int attempt = 0; attempt < 20; attempt++) {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
          port = probe.getLocalPort();
        } catch (IOException e) {
          last = e;
          continue;
        }
        if (port + 1000 > 65_535) {
          continue;
        }
        NacosTestServer server = new NacosTestServer(port, new Auth(users, keys));
        try {
          server.auth.startHttp(port);
          server.startGrpc();
          return server;
        } catch (IOException | UncheckedIOException e) {
          server.close();
          last = e instanceof IOException ? (IOException) e : ((UncheckedIOException) e).getCause();
        }
      }
      throw new UncheckedIOException("nacos test server: no free pair of ports", last);
    }
  }
}
