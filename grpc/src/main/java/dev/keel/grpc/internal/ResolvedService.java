package dev.keel.grpc.internal;

import static java.util.Objects.requireNonNull;

import dev.keel.registry.InstanceSet;
import dev.keel.registry.RegistryClient;
import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.LoadBalancer.ResolvedAddresses;
import org.jspecify.annotations.Nullable;

/**
 * What a Keel name resolver hands to the load balancer beside the addresses: the registry client it
 * watches, the service and the snapshot the addresses came from. The {@code keel_connection} policy
 * uses it to share one connection balancer among all channels to the same service; the per-RPC
 * {@code keel} policy does not need it (it balances over the addresses it is given).
 *
 * @param registry the client the resolver watches through; owned by the resolver, not by the balancer
 * @param instances the snapshot, unfiltered; {@link EquivalentAddressGroup}s carry one instance each
 */
record ResolvedService(RegistryClient registry, String service, InstanceSet instances) {
  static final Attributes.Key<ResolvedService> KEY = Attributes.Key.create("dev.keel.grpc.resolved-service");

  ResolvedService {
    requireNonNull(registry, "registry");
    requireNonNull(service, "service");
    requireNonNull(instances, "instances");
  }

  static @Nullable ResolvedService of(ResolvedAddresses addresses) {
    return addresses.getAttributes().get(KEY);
  }
}
