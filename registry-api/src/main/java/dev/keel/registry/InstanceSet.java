package dev.keel.registry;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * An immutable snapshot of the instances of one service, sorted by id.
 *
 * <p>Two sets are equal when they name the same service, hold equal instances of the same
 * {@linkplain ServiceInstance#incarnation() incarnations} and agree on {@link #stale()}; the
 * {@link #revision()} is left out, so an update that changes nothing compares equal to the set it
 * would replace and can be dropped, while an instance that registered again is a change.
 */
public final class InstanceSet {
  private static final Comparator<ServiceInstance> BY_ID = Comparator.comparing(ServiceInstance::id);

  private final String service;
  private final List<ServiceInstance> instances;
  private final long revision;
  private final boolean stale;

  private InstanceSet(String service, List<ServiceInstance> instances, long revision, boolean stale) {
    this.service = service;
    this.instances = instances;
    this.revision = revision;
    this.stale = stale;
  }

  /**
   * A set of {@code instances} of {@code service}. Instances of another service are rejected;
   * where two share an id, the later one in {@code instances} wins.
   *
   * @param revision the registry's revision for this snapshot (or a local counter); never decreases
   *     along one watch
   */
  public static InstanceSet of(String service, Collection<ServiceInstance> instances, long revision) {
    ServiceInstance.Validation.notBlank("service", service);
    requireNonNull(instances, "instances");
    Map<String, ServiceInstance> byId = new LinkedHashMap<>();
    for (ServiceInstance instance : instances) {
      requireNonNull(instance, "instance");
      if (!instance.service().equals(service)) {
        throw new IllegalArgumentException(
            "instance.service: '" + instance.service() + "' (expected: '" + service + "')");
      }
      byId.put(instance.id(), instance);
    }
    List<ServiceInstance> sorted = new ArrayList<>(byId.values());
    sorted.sort(BY_ID);
    return new InstanceSet(service, List.copyOf(sorted), revision, false);
  }

  /** An empty set of {@code service} at revision 0. */
  public static InstanceSet empty(String service) {
    return of(service, List.of(), 0);
  }

  public String service() {
    return service;
  }

  /** The instances, sorted by id; immutable. */
  public List<ServiceInstance> instances() {
    return instances;
  }

  public long revision() {
    return revision;
  }

  /**
   * True when this set is not confirmed by a live registry: the registry cannot be reached (the set
   * is the last one known), or the set was served from the snapshot cache at start-up. It turns
   * false once the registry answers again and a fresh read or a push confirms the instances.
   */
  public boolean stale() {
    return stale;
  }

  public boolean isEmpty() {
    return instances.isEmpty();
  }

  public int size() {
    return instances.size();
  }

  /** The instance with {@code id}, or null. */
  public @Nullable ServiceInstance get(String id) {
    int lo = 0;
    int hi = instances.size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = instances.get(mid).id().compareTo(id);
      if (c == 0) {
        return instances.get(mid);
      } else if (c < 0) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return null;
  }

  /** This set marked stale: not confirmed by a live registry. */
  public InstanceSet asStale() {
    return stale ? this : new InstanceSet(service, instances, revision, true);
  }

  /** This set with another revision. */
  public InstanceSet withRevision(long newRevision) {
    return newRevision == revision ? this : new InstanceSet(service, instances, newRevision, stale);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof InstanceSet)) {
      return false;
    }
    InstanceSet that = (InstanceSet) o;
    return stale == that.stale && service.equals(that.service) && instances.equals(that.instances)
        && sameIncarnations(that.instances);
  }

  private boolean sameIncarnations(List<ServiceInstance> others) {
    for (int i = 0; i < instances.size(); i++) {
      if (!instances.get(i).incarnation().equals(others.get(i).incarnation())) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return (service.hashCode() * 31 + instances.hashCode()) * 31 + (stale ? 1 : 0);
  }

  @Override
  public String toString() {
    return "InstanceSet{" + service + " rev=" + revision + (stale ? " STALE" : "") + " " + instances + "}";
  }
}
