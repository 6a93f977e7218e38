package dev.keel.grpc.internal;

import dev.keel.grpc.KeelGrpc;
import dev.keel.registry.InstanceSet;
import dev.keel.registry.ServiceInstance;
import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Between registry instances and gRPC addresses, both ways. An instance becomes one {@link
 * EquivalentAddressGroup} whose attributes carry the {@link ServiceInstance} ({@link
 * KeelGrpc#INSTANCE}); an address group from another resolver becomes an instance named by its
 * first {@link InetSocketAddress}.
 */
final class InstanceAddresses {
  private static final Logger log = LoggerFactory.getLogger(InstanceAddresses.class);

  private final Set<String> warned = new HashSet<>(); // confined to the caller's serial lane
  private long skipped;

  /**
   * The address groups of {@code set}, in its order. A host name is looked up here (this runs on
   * the registry's dispatch lane, never on a channel's synchronization context); an instance whose
   * host does not resolve is skipped, counted and reported once, never an emptied list.
   */
  List<EquivalentAddressGroup> toAddresses(InstanceSet set) {
    List<EquivalentAddressGroup> out = new ArrayList<>(set.size());
    for (ServiceInstance instance : set.instances()) {
      InetAddress ip;
      try {
        ip = InetAddress.getByName(instance.host()); // no lookup for an IP literal
      } catch (UnknownHostException e) {
        skipped++;
        if (warned.add(instance.id() + "@" + instance.host())) {
          log.warn("{}: instance {} skipped: host '{}' does not resolve ({} skipped so far)",
              set.service(), instance.id(), instance.host(), skipped);
        }
        continue;
      }
      out.add(new EquivalentAddressGroup(new InetSocketAddress(ip, instance.port()),
          Attributes.newBuilder().set(KeelGrpc.INSTANCE, instance).build()));
    }
    return out;
  }

  /** Instances skipped so far because their host did not resolve. */
  long skipped() {
    return skipped;
  }

  /**
   * The instance an address group stands for: the one a Keel resolver attached, else one built from
   * its first {@link InetSocketAddress} (id {@code host:port}, weight 100, no metadata). Null when
   * the group has no IP address (a Unix socket, an in-process address): the caller skips it.
   */
  static @Nullable ServiceInstance instanceOf(EquivalentAddressGroup group, String service) {
    ServiceInstance attached = group.getAttributes().get(KeelGrpc.INSTANCE);
    if (attached != null) {
      return attached;
    }
    for (SocketAddress a : group.getAddresses()) {
      if (a instanceof InetSocketAddress inet) {
        return ServiceInstance.builder().service(service).host(inet.getHostString()).port(inet.getPort()).build();
      }
    }
    return null;
  }
}
