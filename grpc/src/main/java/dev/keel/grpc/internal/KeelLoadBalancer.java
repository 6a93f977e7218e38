package dev.keel.grpc.internal;

import static io.grpc.ConnectivityState.CONNECTING;
import static io.grpc.ConnectivityState.IDLE;
import static io.grpc.ConnectivityState.READY;
import static io.grpc.ConnectivityState.SHUTDOWN;
import static io.grpc.ConnectivityState.TRANSIENT_FAILURE;
import static java.util.Objects.requireNonNull;

import dev.keel.balancer.Balancer;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.PickArgs;
import dev.keel.grpc.KeelGrpc;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.Subscription;
import io.grpc.Attributes;
import io.grpc.ConnectivityState;
import io.grpc.ConnectivityStateInfo;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The {@code keel} policy: a subchannel to every resolved instance (as {@code round_robin} keeps),
 * and per RPC the instance Keel's {@link Balancer} picks among those whose subchannel is READY.
 *
 * <p>The balancer's discovery is the set of READY instances, so a connection that drops takes its
 * instance out of the picks at once, and one that comes back returns through slow start. RPC
 * outcomes come back through {@link OutcomeTracer} (latency, failures by status), feeding peak-EWMA
 * and outlier ejection; panic, policies and weights are the balancer's.
 *
 * <p>Threading: everything here runs on the channel's synchronization context, which is also the
 * balancer's executor (its membership changes, ejections and slow-start steps run there too, so
 * {@code updateBalancingState} is always called from the context). The picker runs on any thread.
 */
final class KeelLoadBalancer extends LoadBalancer implements OutcomeTracer.Reporting {
  private final Helper helper;
  private final SynchronizationContext syncContext;
  private final String service;
  private final Subchannels subchannels = new Subchannels();
  private final SettableDiscovery discovery;

  private KeelLbConfig config = KeelLbConfig.DEFAULTS;
  private volatile @Nullable Balancer balancer;
  private volatile Set<Status.Code> failureCodes = KeelLbConfig.DEFAULT_FAILURE_CODES;
  private @Nullable Subscription stateListener;
  private @Nullable KeelPicker picker;
  private @Nullable Status resolutionError;
  private int skippedAddresses;
  private ConnectivityState state = CONNECTING;
  private boolean shutdown;

  KeelLoadBalancer(Helper helper) {
    this.helper = requireNonNull(helper, "helper");
    this.syncContext = helper.getSynchronizationContext();
    this.service = helper.getAuthority();
    this.discovery = new SettableDiscovery(service);
  }

  @Override
  public Status acceptResolvedAddresses(ResolvedAddresses resolved) {
    syncContext.throwIfNotInThisSynchronizationContext();
    Object parsed = resolved.getLoadBalancingPolicyConfig();
    KeelLbConfig next = parsed instanceof KeelLbConfig c ? c : KeelLbConfig.DEFAULTS;
    if (balancer == null || !next.equals(config)) {
      startBalancer(next);
    }
    resolutionError = null;
    Map<String, EquivalentAddressGroup> groups = new LinkedHashMap<>();
    Map<String, ServiceInstance> instances = new LinkedHashMap<>();
    int skipped = 0;
    for (EquivalentAddressGroup group : resolved.getAddresses()) {
      ServiceInstance instance = InstanceAddresses.instanceOf(group, service);
      if (instance == null) {
        skipped++;
        continue;
      }
      if (config.admits(instance)) {
        groups.put(instance.id(), group);
        instances.put(instance.id(), instance);
      }
    }
    skippedAddresses = skipped;
    for (Subchannels.Entry e : new ArrayList<>(subchannels.entries())) {
      EquivalentAddressGroup group = groups.get(e.id);
      if (group == null || !group.getAddresses().equals(e.addresses.getAddresses())) {
        subchannels.remove(e.id);
        subchannels.detach(requireNonNull(balancer).state(), e.id);
        e.subchannel.shutdown(); // graceful: RPCs already on it finish
      } else {
        e.instance = requireNonNull(instances.get(e.id)); // weight or metadata changed: same connection
      }
    }
    for (Map.Entry<String, EquivalentAddressGroup> g : groups.entrySet()) {
      if (subchannels.get(g.getKey()) == null) {
        connect(g.getKey(), requireNonNull(instances.get(g.getKey())), g.getValue());
      }
    }
    publishMembership();
    updateOverallState();
    return Status.OK;
  }

  private void startBalancer(KeelLbConfig next) {
    Balancer old = balancer;
    if (stateListener != null) {
      stateListener.close();
    }
    config = next;
    failureCodes = next.failureCodes();
    Balancer b = Balancer.builder(discovery, service).config(next.balancer()).executor(syncContext).build();
    balancer = b;
    picker = new KeelPicker(b, subchannels, next.hashHeader(), service);
    stateListener = b.onStateChange(this::updateOverallState);
    if (old != null) {
      old.close();
    }
  }

  private void connect(String id, ServiceInstance instance, EquivalentAddressGroup group) {
    Attributes attrs = group.getAttributes().toBuilder().set(KeelGrpc.INSTANCE, instance).build();
    Subchannel subchannel = helper.createSubchannel(CreateSubchannelArgs.newBuilder()
        .setAddresses(group).setAttributes(attrs).build());
    Subchannels.Entry entry = new Subchannels.Entry(id, instance, group, subchannel,
        PickResult.withSubchannel(subchannel, new OutcomeTracer.Factory(this, id, null)));
    subchannels.put(entry);
    subchannel.start(info -> onSubchannelState(entry, info));
    subchannel.requestConnection();
  }

  private void onSubchannelState(Subchannels.Entry entry, ConnectivityStateInfo info) {
    if (shutdown || subchannels.get(entry.id) != entry || info.getState() == SHUTDOWN) {
      return;
    }
    ConnectivityState was = entry.state;
    entry.state = info.getState();
    if (info.getState() == TRANSIENT_FAILURE) {
      entry.lastFailure = info.getStatus();
    }
    if (info.getState() == IDLE) {
      entry.subchannel.requestConnection(); // a dropped connection (GOAWAY, idle close): reconnect now
    }
    if (was == READY && info.getState() != READY) {
      subchannels.detach(requireNonNull(balancer).state(), entry.id); // out of the picks before the balancer catches up
    }
    if ((was == READY) != (info.getState() == READY)) {
      publishMembership();
    }
    updateOverallState();
  }

  /** The balancer sees the READY instances, narrowed to the preferred ones while any of those is READY. */
  private void publishMembership() {
    List<ServiceInstance> ready = new ArrayList<>();
    List<ServiceInstance> preferred = new ArrayList<>();
    for (Subchannels.Entry e : subchannels.entries()) {
      if (e.state == READY) {
        ready.add(e.instance);
        if (config.preferred(e.instance)) {
          preferred.add(e.instance);
        }
      }
    }
    discovery.set(preferred.isEmpty() ? ready : preferred);
  }

  /** The channel's state, decided in one place; also re-offers the picker so buffered RPCs are re-picked. */
  private void updateOverallState() {
    if (shutdown || picker == null) {
      return;
    }
    Balancer b = requireNonNull(balancer);
    subchannels.attach(b.state());
    boolean anyReady = false;
    boolean anyConnecting = false;
    Status failure = null;
    for (Subchannels.Entry e : subchannels.entries()) {
      switch (e.state) {
        case READY -> anyReady = true;
        case CONNECTING, IDLE -> anyConnecting = true;
        case TRANSIENT_FAILURE -> failure = e.lastFailure;
        default -> { }
      }
    }
    if (anyReady && !b.state().available().isEmpty()) {
      update(READY, picker);
    } else if (anyReady && !b.state().members().isEmpty()) {
      update(TRANSIENT_FAILURE, errorPicker(Status.UNAVAILABLE.withDescription(
          "no available instance of '" + service + "' (every connected one has weight 0)")));
    } else if (anyReady || anyConnecting) {
      update(CONNECTING, BUFFER); // the balancer catches up on the context, right after this
    } else if (subchannels.isEmpty()) {
      Status s = resolutionError != null ? resolutionError : Status.UNAVAILABLE.withDescription(
          "no instance of '" + service + "'" + (config.requireMetadata().isEmpty() ? "" : " with metadata " + config.requireMetadata())
          + (skippedAddresses > 0 ? " (" + skippedAddresses + " addresses without an IP address skipped)" : ""));
      update(TRANSIENT_FAILURE, errorPicker(s));
    } else {
      update(TRANSIENT_FAILURE, errorPicker(failure != null ? failure
          : Status.UNAVAILABLE.withDescription("no connection to any instance of '" + service + "'")));
    }
  }

  private void update(ConnectivityState newState, SubchannelPicker newPicker) {
    state = newState;
    helper.updateBalancingState(newState, newPicker);
  }

  @Override
  public void handleNameResolutionError(Status error) {
    if (state != READY) {
      resolutionError = error;
      if (subchannels.isEmpty()) {
        update(TRANSIENT_FAILURE, errorPicker(error));
      }
    }
  }

  @Override
  public void requestConnection() {
    for (Subchannels.Entry e : subchannels.entries()) {
      if (e.state == IDLE) {
        e.subchannel.requestConnection();
      }
    }
  }

  @Override
  public void shutdown() {
    shutdown = true;
    if (stateListener != null) {
      stateListener.close();
    }
    Balancer b = balancer;
    if (b != null) {
      b.close();
    }
    for (Subchannels.Entry e : new ArrayList<>(subchannels.entries())) {
      subchannels.remove(e.id);
      e.subchannel.shutdown();
    }
  }

  /** The current balancer (tests look at its endpoints). */
  Balancer balancer() {
    return requireNonNull(balancer, "balancer: no addresses accepted yet");
  }

  // ---- OutcomeTracer.Reporting: any thread ----

  @Override
  public @Nullable Endpoint begin(PickArgs pinned) {
    Balancer b = balancer;
    return b == null ? null : b.pick(pinned);
  }

  @Override
  public Set<Status.Code> failureCodes() {
    return failureCodes;
  }

  @Override
  public long nanoTime() {
    Balancer b = balancer;
    return b == null ? System.nanoTime() : b.clock().nanoTime();
  }

  /** RPCs wait (a connection is being made; a new picker follows). */
  private static final SubchannelPicker BUFFER = new FixedResultPicker(PickResult.withNoResult());

  private static SubchannelPicker errorPicker(Status error) {
    return new FixedResultPicker(PickResult.withError(error));
  }
}
