package dev.keel.proxy.admin;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.function.Consumer;

/**
 * Meters by the object they read (a listener, a service, a backend), registered when the object is
 * first seen at a scrape and removed at the first scrape that does not see it: a backend that left,
 * a service closed for idleness or beyond {@code max-services}, a listener a reload replaced. So the
 * series kept stay bounded by what exists, and a replaced object's meters never shadow those of its
 * successor (Micrometer returns the meter already registered under the same name and tags): the
 * meters of new owners are registered only after those of the owners gone are removed.
 *
 * <p>Not thread-safe: used under the scrape's lock.
 */
final class OwnedMeters {
  private final MeterRegistry registry;
  private final IdentityHashMap<Object, List<Meter>> byOwner = new IdentityHashMap<>();
  private final IdentityHashMap<Object, Boolean> seen = new IdentityHashMap<>();
  /** Owners first seen at this scrape, with how to register their meters (after the removals). */
  private final IdentityHashMap<Object, Consumer<List<Meter>>> pending = new IdentityHashMap<>();

  OwnedMeters(MeterRegistry registry) {
    this.registry = registry;
  }

  /**
   * {@code owner} exists at this scrape; {@code register} adds its meters (to the list it is given)
   * the first time, at {@link #removeUnseen}.
   */
  void keep(Object owner, Consumer<List<Meter>> register) {
    seen.put(owner, Boolean.TRUE);
    if (!byOwner.containsKey(owner)) {
      pending.putIfAbsent(owner, register);
    }
  }

  /** Removes the meters of every owner not kept since the last call, then registers the new owners'. */
  void removeUnseen() {
    byOwner.entrySet().removeIf(e -> {
      if (seen.containsKey(e.getKey())) {
        return false;
      }
      for (Meter m : e.getValue()) {
        registry.remove(m);
      }
      return true;
    });
    seen.clear();
    pending.forEach((owner, register) -> {
      List<Meter> meters = new ArrayList<>();
      register.accept(meters);
      byOwner.put(owner, meters);
    });
    pending.clear();
  }

  /** Meters kept now, for tests. */
  int owners() {
    return byOwner.size();
  }
}
