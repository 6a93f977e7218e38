package dev.keel.grpc;

import static java.util.Objects.requireNonNull;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.keel.registry.ConnectionCountPublisher;
import dev.keel.registry.Durations;
import dev.keel.registry.Registration;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.Subscription;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerTransportFilter;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers a gRPC {@link Server} in a registry once it listens, and takes it out before it stops
 * taking calls, so that callers move off it first (the bug class Spring Cloud users know: a server
 * deregistered after it stopped keeps being called until a TTL runs out).
 *
 * <pre>{@code
 * ServerRegistration registration = ServerRegistration.builder(registry, "orders")
 *     .metadata(Map.of("zone", "a")).build();
 * registration.start(NettyServerBuilder.forPort(0).addService(orders).build()); // listens, then registers
 * ...
 * registration.stop(Duration.ofSeconds(30)); // deregister, let callers see it, then shutdown()
 * }</pre>
 *
 * <p>{@link #stop} runs, in order: deregister; wait until this client's own watch of the service no
 * longer lists the instance (the registry has applied it), at most {@code deregistrationWait}; wait
 * {@code drainDelay} more, for the other callers' watches and pickers; then {@code server.shutdown()}
 * (in-flight RPCs finish; HTTP/2 GOAWAY tells clients to go elsewhere), {@code awaitTermination} up
 * to the grace period, and {@code shutdownNow()} if RPCs are still running then.
 *
 * <p><b>Publishing the connection count.</b> Started with {@link #start(ServerBuilder)} (or with a
 * server built with {@link #transportFilter()}), the registration counts the server's client
 * connections (HTTP/2 transports ready and not yet terminated) and publishes the count in its
 * metadata, {@value ServiceInstance#CONNECTIONS} — 0 at registration, then through a {@link
 * ConnectionCountPublisher} (at most one registry write per {@code publishInterval}, 2 s, and only
 * for a change of max(1, {@code publishMinChange} = 5 %)). One-connection clients in other
 * processes ({@code keel_connection}, {@code LongConnections}) then place and move their
 * connections by the counts of all instances. {@link Builder#publishConnections(boolean)
 * publishConnections(false)} turns it off; a server started with {@link #start(Server)} without the
 * filter publishes nothing (it could not count).
 *
 * <p>Ownership: the server is started and stopped through this object; the registry client is the
 * caller's and is never closed here. Thread-safe; {@link #start} and {@link #stop} run once each.
 */
public final class ServerRegistration {
  private static final Logger log = LoggerFactory.getLogger(ServerRegistration.class);

  private final RegistryClient registry;
  private final String service;
  private final @Nullable String host;
  private final @Nullable String id;
  private final int weight;
  private final Map<String, String> metadata;
  private final Duration deregistrationWait;
  private final Duration drainDelay;
  private final boolean publishConnections;
  private final Duration publishInterval;
  private final double publishMinChange;
  private final TransportCounter counter = new TransportCounter();

  @GuardedBy("this")

  private @Nullable Server server;
  @GuardedBy("this")
  private @Nullable Registration registration;
  @GuardedBy("this")
  private boolean stopped;

  private ServerRegistration(Builder b) {
    this.registry = b.registry;
    this.service = b.service;
    this.host = b.host;
    this.id = b.id;
    this.weight = b.weight;
    this.metadata = b.metadata;
    this.deregistrationWait = b.deregistrationWait;
    this.drainDelay = b.drainDelay;
    this.publishConnections = b.publishConnections;
    this.publishInterval = b.publishInterval;
    this.publishMinChange = b.publishMinChange;
  }

  /** A registration of servers of {@code service} in {@code registry} (not closed by this object). */
  public static Builder builder(RegistryClient registry, String service) {
    return new Builder(registry, service);
  }

  /**
   * The filter that counts the server's client connections for publishing: add it to the server's
   * builder ({@code builder.addTransportFilter(registration.transportFilter())}) when you build the
   * server yourself and start it with {@link #start(Server)}. Always the same filter; add it to one
   * server only.
   */
  public ServerTransportFilter transportFilter() {
    counter.taken = true;
    return counter;
  }

  /**
   * Adds {@link #transportFilter()} to {@code builder}, builds the server and {@linkplain
   * #start(Server) starts} it.
   *
   * @return the server, started and registered
   * @throws IOException the server could not bind
   */
  public Server start(ServerBuilder<?> builder) throws IOException {
    requireNonNull(builder, "builder");
    return start(builder.addTransportFilter(transportFilter()).build());
  }

  /**
   * Starts {@code server}, then registers its port ({@link Server#getPort()}) on the configured
   * host, or on the address it is bound to, or (bound to the wildcard address) on the first
   * non-loopback IPv4 address of this machine. If registering fails the server is stopped again.
   *
   * @return {@code server}, started
   * @throws IOException the server could not bind
   * @throws IllegalStateException this registration was started already
   */
  public synchronized Server start(Server server) throws IOException {
    requireNonNull(server, "server");
    if (this.server != null || stopped) {
      throw new IllegalStateException("start(): already " + (stopped ? "stopped" : "started"));
    }
    server.start();
    this.server = server;
    try {
      ServiceInstance.Builder instance = ServiceInstance.builder().service(service)
          .host(host != null ? host : advertisedHost(server)).port(server.getPort())
          .weight(weight).metadata(metadata);
      if (id != null) {
        instance.id(id);
      }
      boolean publish = publishConnections && counter.taken;
      if (publish) {
        instance.putMetadata(ServiceInstance.CONNECTIONS, "0");
      } else if (publishConnections) {
        log.debug("{}: started without transportFilter(): the connection count is not published", service);
      }
      Registration r = registry.register(instance.build());
      registration = r;
      if (publish) {
        counter.publishTo(ConnectionCountPublisher.builder(r).minInterval(publishInterval).minChange(publishMinChange).build());
      }
      log.info("{}: registered {} at {}", service, registration.instance().id(), registration.instance().address());
      return server;
    } catch (RuntimeException e) {
      server.shutdownNow();
      throw e;
    }
  }

  /** The registered instance; null before {@link #start}. */
  public synchronized @Nullable ServiceInstance instance() {
    return registration == null ? null : registration.instance();
  }

  /**
   * Deregisters, waits for the registry and the callers (bounded, see the class comment), then
   * shuts the server down gracefully within {@code grace}.
   *
   * @return true when every RPC finished within {@code grace}; false when some were cut by {@code
   *     shutdownNow()}
   */
  public synchronized boolean stop(Duration grace) throws InterruptedException {
    requireNonNull(grace, "grace");
    if (stopped) {
      return true;
    }
    stopped = true;
    Server s = server;
    Registration r = registration;
    counter.stopPublishing(); // before deregistering: no count written after
    if (r != null) {
      awaitDeregistered(r);
      TimeUnit.NANOSECONDS.sleep(drainDelay.toNanos()); // for the watches of other processes, by design a delay
    }
    if (s == null) {
      return true;
    }
    s.shutdown();
    if (s.awaitTermination(grace.toNanos(), TimeUnit.NANOSECONDS)) {
      return true;
    }
    log.warn("{}: RPCs still running after {}; cancelling them", service, grace);
    s.shutdownNow();
    s.awaitTermination(5, TimeUnit.SECONDS);
    return false;
  }

  private void awaitDeregistered(Registration r) throws InterruptedException {
    String instanceId = r.instance().id();
    CountDownLatch gone = new CountDownLatch(1);
    Subscription watch;
    try {
      watch = registry.watch(service, set -> {
        if (set.get(instanceId) == null) {
          gone.countDown();
        }
      });
    } catch (IllegalStateException closed) {
      // The registry client was closed first, which deregistered everything it registered.
      log.debug("{}: registry client already closed; {} is deregistered with it", service, instanceId);
      return;
    }
    try {
      r.close();
      if (!gone.await(deregistrationWait.toNanos(), TimeUnit.NANOSECONDS)) {
        log.warn("{}: {} still listed {} after deregistering; stopping anyway", service, instanceId, deregistrationWait);
      }
    } finally {
      watch.close();
    }
  }

  /** Client connections counted by {@link #transportFilter()}, published once registered. */
  public int connections() {
    return counter.count();
  }

  static String advertisedHost(Server server) {
    for (SocketAddress a : server.getListenSockets()) {
      if (a instanceof InetSocketAddress inet && inet.getAddress() != null && !inet.getAddress().isAnyLocalAddress()) {
        return inet.getAddress().getHostAddress();
      }
    }
    try {
      for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (nif.isUp() && !nif.isLoopback()) {
          for (InetAddress address : Collections.list(nif.getInetAddresses())) {
            if (address instanceof Inet4Address && !address.isLinkLocalAddress()) {
              return address.getHostAddress();
            }
          }
        }
      }
    } catch (SocketException e) {
      log.debug("cannot list network interfaces", e);
    }
    return InetAddress.getLoopbackAddress().getHostAddress();
  }

  /** Builder of a {@link ServerRegistration}; not thread-safe. */
  public static final class Builder {
    private final RegistryClient registry;
    private final String service;
    private @Nullable String host;
    private @Nullable String id;
    private int weight = ServiceInstance.DEFAULT_WEIGHT;
    private Map<String, String> metadata = Map.of();
    private Duration deregistrationWait = Duration.ofSeconds(5);
    private Duration drainDelay = Duration.ofSeconds(1);
    private boolean publishConnections = true;
    private Duration publishInterval = ConnectionCountPublisher.DEFAULT_MIN_INTERVAL;
    private double publishMinChange = ConnectionCountPublisher.DEFAULT_MIN_CHANGE;

    private Builder(RegistryClient registry, String service) {
      this.registry = requireNonNull(registry, "registry");
      this.service = requireNonNull(service, "service");
      if (service.isBlank()) {
        throw new IllegalArgumentException("service: '" + service + "' (expected: non-blank)");
      }
    }

    /** The host callers connect to (default: see {@link ServerRegistration#start}). */
    public Builder host(String host) {
      this.host = requireNonNull(host, "host");
      return this;
    }

    /** The instance id (default {@code host:port}). */
    public Builder id(String id) {
      this.id = requireNonNull(id, "id");
      return this;
    }

    /** 0..10000 (default 100). */
    public Builder weight(int weight) {
      if (weight < 0 || weight > ServiceInstance.MAX_WEIGHT) {
        throw new IllegalArgumentException("weight: " + weight + " (expected: 0.." + ServiceInstance.MAX_WEIGHT + ")");
      }
      this.weight = weight;
      return this;
    }

    /** Instance metadata ({@code zone}, {@code version}, ...), readable by callers' routing. */
    public Builder metadata(Map<String, String> metadata) {
      this.metadata = Map.copyOf(requireNonNull(metadata, "metadata"));
      return this;
    }

    /** Longest wait for the registry to show the instance gone (default 5 s). */
    public Builder deregistrationWait(Duration wait) {
      this.deregistrationWait = nonNegative("deregistrationWait", wait);
      return this;
    }

    /** Further wait before the server stops taking calls, for other callers' watches (default 1 s). */
    public Builder drainDelay(Duration delay) {
      this.drainDelay = nonNegative("drainDelay", delay);
      return this;
    }

    /**
     * Whether to publish the count of client connections in the instance's metadata (default true;
     * needs the {@link ServerRegistration#transportFilter()}, which {@link
     * ServerRegistration#start(ServerBuilder)} adds).
     */
    public Builder publishConnections(boolean publish) {
      this.publishConnections = publish;
      return this;
    }

    /**
     * Least time between two writes of the count, 10 ms..1 h (default 2 s): each write is one
     * registry update every watcher of the service hears about.
     */
    public Builder publishInterval(Duration interval) {
      requireNonNull(interval, "publishInterval");
      if (interval.compareTo(Duration.ofMillis(10)) < 0 || interval.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException("publishInterval: " + Durations.format(interval) + " (expected: 10ms..1h)");
      }
      this.publishInterval = interval;
      return this;
    }

    /** Least relative change of the count written, 0.0..0.5 (default 0.05); one connection is always the least. */
    public Builder publishMinChange(double minChange) {
      if (!(minChange >= 0.0 && minChange <= 0.5)) {
        throw new IllegalArgumentException("publishMinChange: " + minChange + " (expected: 0.0..0.5)");
      }
      this.publishMinChange = minChange;
      return this;
    }

    public ServerRegistration build() {
      return new ServerRegistration(this);
    }

    private static Duration nonNegative(String field, Duration d) {
      requireNonNull(d, field);
      if (d.isNegative()) {
        throw new IllegalArgumentException(field + ": " + Durations.format(d) + " (expected: >= 0)");
      }
      return d;
    }
  }
}
