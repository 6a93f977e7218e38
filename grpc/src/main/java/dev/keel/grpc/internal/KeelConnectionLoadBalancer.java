package dev.keel.grpc.internal;

import static io.grpc.ConnectivityState.CONNECTING;
import static io.grpc.ConnectivityState.IDLE;
import static io.grpc.ConnectivityState.READY;
import static io.grpc.ConnectivityState.SHUTDOWN;
import static io.grpc.ConnectivityState.TRANSIENT_FAILURE;
import static java.util.Objects.requireNonNull;

import dev.keel.balancer.ConnectionLease;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.FailureKind;
import dev.keel.balancer.PickArgs;
import dev.keel.grpc.KeelGrpc;
import dev.keel.registry.ServiceInstance;
import io.grpc.Attributes;
import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The {@code keel_connection} policy: one connection per channel, placed by the {@link
 * ConnectionGroup} all of the process's channels to the service share, and moved make-before-break.
 *
 * <p>Moves: when the group sheds this channel's connection (the spread left its tolerance after a
 * scale-out or a restart), or when its instance stops being available (deregistered, ejected), a
 * replacement is placed off that instance and connected while the old connection keeps serving;
 * once the replacement is READY, new RPCs go to it and the old subchannel is shut down gracefully
 * (its RPCs finish). A replacement that fails to connect is dropped and the old lease kept.
 *
 * <p>States ({@link #current} / {@link #next}): none / none (nothing available: TRANSIENT_FAILURE,
 * re-placed on the next group change); connecting / none (CONNECTING); READY / none (READY);
 * READY / connecting (a move: READY on the old one); failed / connecting (CONNECTING, the failed one
 * keeps retrying with grpc-java's back-off). All on the synchronization context.
 */
final class KeelConnectionLoadBalancer extends LoadBalancer implements ConnectionGroup.Member, OutcomeTracer.Reporting {
  private final Helper helper;
  private final SynchronizationContext syncContext;
  private final String service;
  private final ConnectionGroups groups;

  private volatile KeelLbConfig config = KeelLbConfig.DEFAULTS; // read by tracers on any thread
  private volatile @Nullable ConnectionGroup group;
  private boolean sharedGroup;
  private @Nullable SettableDiscovery ownDiscovery;
  private final Map<String, EquivalentAddressGroup> addresses = new HashMap<>();
  private @Nullable Link current;
  private @Nullable Link next;
  private boolean shutdown;

  /** One connection: its lease in the group, its subchannel, its RPC count for busy/idle. */
  private final class Link implements OutcomeTracer.StreamCounter {
    final ConnectionLease lease;
    final String id;
    final PickArgs pinned;
    final Subchannel subchannel;
    final PickResult pick;
    final AtomicInteger streams = new AtomicInteger();
    ConnectivityState state = IDLE;
    @Nullable Status failure;

    Link(ConnectionLease lease, EquivalentAddressGroup group) {
      this.lease = lease;
      this.id = lease.endpoint().id();
      this.pinned = OutcomeTracer.pinnedTo(id);
      Attributes attrs = group.getAttributes().toBuilder().set(KeelGrpc.INSTANCE, lease.endpoint().instance()).build();
      this.subchannel = helper.createSubchannel(CreateSubchannelArgs.newBuilder().setAddresses(group).setAttributes(attrs).build());
      this.pick = PickResult.withSubchannel(subchannel, new OutcomeTracer.Factory(KeelConnectionLoadBalancer.this, id, this));
    }

    @Override
    public void opened() {
      if (streams.getAndIncrement() == 0) {
        lease.markBusy();
      }
    }

    @Override
    public void closed() {
      if (streams.decrementAndGet() == 0) {
        lease.markIdle();
      }
    }

    void start() {
      subchannel.start(info -> onLinkState(this, info));
      subchannel.requestConnection();
    }

    /** Gone: the lease stops counting now, the subchannel drains its RPCs and closes. */
    void close(ConnectionGroup g) {
      g.close(lease);
      subchannel.shutdown();
    }
  }

  KeelConnectionLoadBalancer(Helper helper, ConnectionGroups groups) {
    this.helper = requireNonNull(helper, "helper");
    this.syncContext = helper.getSynchronizationContext();
    this.service = helper.getAuthority();
    this.groups = requireNonNull(groups, "groups");
  }

  @Override
  public Status acceptResolvedAddresses(ResolvedAddresses resolved) {
    syncContext.throwIfNotInThisSynchronizationContext();
    Object parsed = resolved.getLoadBalancingPolicyConfig();
    KeelLbConfig cfg = parsed instanceof KeelLbConfig c ? c : KeelLbConfig.DEFAULTS;
    ResolvedService source = ResolvedService.of(resolved);
    List<ServiceInstance> instances = new ArrayList<>();
    addresses.clear();
    for (EquivalentAddressGroup g : resolved.getAddresses()) {
      ServiceInstance instance = InstanceAddresses.instanceOf(g, service);
      if (instance != null) {
        addresses.put(instance.id(), g);
        if (cfg.admits(instance)) {
          instances.add(instance);
        }
      }
    }
    boolean wantShared = source != null;
    if (group == null || !cfg.equals(config) || wantShared != sharedGroup) {
      leaveGroup();
      config = cfg;
      sharedGroup = wantShared;
      if (source != null) {
        group = groups.acquire(source, cfg);
      } else {
        // Another resolver (dns, a fixed list): no registry to share, so this channel balances alone.
        SettableDiscovery own = new SettableDiscovery(service);
        own.set(preferred(instances, cfg));
        ownDiscovery = own;
        group = new ConnectionGroup(own, service, cfg);
      }
      requireNonNull(group).join(this);
    } else if (ownDiscovery != null) {
      ownDiscovery.set(preferred(instances, cfg));
    }
    check();
    return Status.OK;
  }

  private static List<ServiceInstance> preferred(List<ServiceInstance> admitted, KeelLbConfig cfg) {
    List<ServiceInstance> p = new ArrayList<>();
    for (ServiceInstance i : admitted) {
      if (cfg.preferred(i)) {
        p.add(i);
      }
    }
    return p.isEmpty() ? admitted : p;
  }

  /** Moves off the group: connections close (gracefully), the group is released. */
  private void leaveGroup() {
    ConnectionGroup g = group;
    if (g == null) {
      return;
    }
    g.leave(this);
    Link c = current;
    Link n = next;
    current = null;
    next = null;
    if (c != null) {
      c.close(g);
    }
    if (n != null) {
      n.close(g);
    }
    if (sharedGroup) {
      groups.release(g);
    } else {
      g.shutdown();
    }
    group = null;
    ownDiscovery = null;
  }

  // ---- group callbacks: on the balancer's threads, handed to the context ----

  @Override
  public void stateChanged() {
    syncContext.execute(this::check);
  }

  @Override
  public void shed(ConnectionLease lease) {
    syncContext.execute(() -> {
      Link c = current;
      if (!shutdown && c != null && c.lease == lease && c.state == READY && next == null) {
        move(c);
      } else {
        lease.keep(); // not ours to move now (already moving, not connected, or closed)
      }
    });
  }

  // ---- the state machine, on the context ----

  /** After any change: connect when nothing is, move off an instance that is no longer available. */
  private void check() {
    ConnectionGroup g = group;
    if (shutdown || g == null) {
      return;
    }
    Link c = current;
    if (c == null) {
      Link l = place(g, List.of());
      if (l == null) {
        update(TRANSIENT_FAILURE, errorPicker(Status.UNAVAILABLE.withDescription("no available instance of '" + service + "'")));
        return;
      }
      current = l;
      update(CONNECTING, BUFFER);
      l.start();
    } else if (next == null && !g.available(c.id)) {
      move(c); // deregistered, ejected or down: leave before it goes away
    }
  }

  /** Make-before-break: a replacement off {@code from}'s instance, connected while {@code from} serves. */
  private void move(Link from) {
    ConnectionGroup g = requireNonNull(group);
    Link l = place(g, List.of(from.lease.endpoint()));
    if (l == null) {
      from.lease.keep(); // nowhere else to go: stay
      return;
    }
    next = l;
    l.start();
  }

  private @Nullable Link place(ConnectionGroup g, List<Endpoint> exclude) {
    ConnectionLease lease = g.open(this, exclude);
    if (lease == null) {
      return null;
    }
    EquivalentAddressGroup eag = addressOf(lease.endpoint().instance());
    if (eag == null) {
      g.close(lease); // the group saw the instance before this channel's resolver did: next update
      return null;
    }
    return new Link(lease, eag);
  }

  private @Nullable EquivalentAddressGroup addressOf(ServiceInstance instance) {
    EquivalentAddressGroup eag = addresses.get(instance.id());
    if (eag != null) {
      return eag;
    }
    String host = instance.host();
    boolean literal = host.indexOf(':') >= 0 || host.matches("[0-9.]+");
    return literal ? new EquivalentAddressGroup(new java.net.InetSocketAddress(host, instance.port())) : null;
  }

  private void onLinkState(Link link, ConnectivityStateInfo info) {
    ConnectivityState s = info.getState();
    if (shutdown || s == SHUTDOWN || (link != current && link != next)) {
      return;
    }
    link.state = s;
    ConnectionGroup g = requireNonNull(group);
    if (s == TRANSIENT_FAILURE) {
      link.failure = info.getStatus();
      Endpoint e = g.balancer().pick(link.pinned);
      if (e != null) {
        e.onFailure(FailureKind.CONNECT); // feeds ejection: the group stops placing there
      }
    }
    if (s == IDLE) {
      link.subchannel.requestConnection(); // the server closed it (GOAWAY, idle): reconnect to the same instance
    }
    if (link == next) {
      onNextState(g, link, s);
    } else {
      onCurrentState(g, link, s);
    }
  }

  private void onNextState(ConnectionGroup g, Link n, ConnectivityState s) {
    if (s == READY) {
      Link old = current;
      current = n;
      next = null;
      n.lease.markIdle();
      update(READY, new FixedResultPicker(n.pick));
      if (old != null) {
        old.close(g); // new RPCs already go to n; the old connection's RPCs finish, then it closes
      }
    } else if (s == TRANSIENT_FAILURE) {
      next = null;
      n.close(g);
      Link c = current;
      if (c != null) {
        c.lease.keep();
      }
    }
  }

  private void onCurrentState(ConnectionGroup g, Link c, ConnectivityState s) {
    switch (s) {
      case READY -> {
        c.lease.markIdle();
        Link n = next;
        if (n != null && !c.lease.shedding() && g.available(c.id)) {
          next = null; // recovered while a replacement was connecting for a failure: keep this one
          n.close(g);
        }
        if (c.streams.get() > 0) {
          c.lease.markBusy();
        }
        update(READY, new FixedResultPicker(c.pick));
      }
      case TRANSIENT_FAILURE -> {
        if (next == null) {
          Link l = place(g, List.of(c.lease.endpoint()));
          if (l != null) {
            next = l;
            l.start();
          }
        }
        update(next != null ? CONNECTING : TRANSIENT_FAILURE, next != null ? BUFFER
            : errorPicker(c.failure != null ? c.failure : Status.UNAVAILABLE.withDescription("connection failed")));
      }
      default -> update(CONNECTING, BUFFER);
    }
  }

  private void update(ConnectivityState state, SubchannelPicker picker) {
    helper.updateBalancingState(state, picker);
  }

  @Override
  public void handleNameResolutionError(Status error) {
    if (current == null || current.state != READY) {
      update(TRANSIENT_FAILURE, errorPicker(error));
    }
  }

  @Override
  public void shutdown() {
    shutdown = true;
    leaveGroup();
  }

  // ---- OutcomeTracer.Reporting: any thread ----

  @Override
  public @Nullable Endpoint begin(PickArgs pinned) {
    ConnectionGroup g = group;
    return g == null ? null : g.balancer().pick(pinned);
  }

  @Override
  public Set<Status.Code> failureCodes() {
    return config.failureCodes();
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  /** RPCs wait (a connection is being made; a new picker follows). */
  private static final SubchannelPicker BUFFER = new FixedResultPicker(PickResult.withNoResult());

  private static SubchannelPicker errorPicker(Status error) {
    return new FixedResultPicker(PickResult.withError(error));
  }
}
