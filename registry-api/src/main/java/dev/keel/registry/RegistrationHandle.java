package dev.keel.registry;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The {@link Registration} an adapter hands out: closing it runs the adapter's deregistration at
 * most once, however often and from however many threads it is closed, and not at all once it is
 * {@linkplain #supersede() superseded}.
 *
 * <p>How an adapter uses it: keep the handles of the live registrations in a map keyed by (service,
 * id), changed under the adapter's own lock. On {@code register}, once the registry accepted the
 * instance, put the new handle and call {@link #supersede()} on the one it replaces; on the client's
 * {@code close()}, supersede every handle still held. In the deregistration, under the same lock,
 * remove the handle only if the map still holds <em>this</em> handle ({@code map.remove(key,
 * handle)}) and write to the registry only then: a newer registration of the same id can replace
 * the handle between {@code close()} passing its check and the deregistration taking the lock, and
 * must not be deleted by the older handle.
 *
 * <p>In-place updates ({@link #update}): the handle checks the new instance (same service, id,
 * host and port) and that it is still active, makes it its {@link #instance()}, then calls the
 * adapter's {@link Updater} — so an adapter that restores registrations from {@code
 * handle.instance()} restores the new one even when a restore races the update. The updater writes
 * it in place, never as a deregistration followed by a registration (watchers would see the
 * instance absent). If the updater throws, the handle goes back to the previous instance. Updates
 * of one handle run one at a time.
 *
 * <p>Thread-safe. The deregistration runs on the thread that closes the handle; it must not throw
 * for a registry that cannot be reached (log instead), as {@link Registration#close()} promises.
 */
public final class RegistrationHandle implements Registration {
  /** Writes an updated instance to the registry in place of the handle's previous one. */
  @FunctionalInterface
  public interface Updater {
    /**
     * Writes {@code next} (already {@code handle.instance()}) in place; returns once the registry
     * accepted it.
     *
     * @throws IllegalStateException the registration is no longer the adapter's (superseded, client closed)
     * @throws RegistryException the registry did not accept it in time
     */
    void update(RegistrationHandle handle, ServiceInstance next);
  }

  private final Consumer<? super RegistrationHandle> deregister;
  private final @Nullable Updater updater;
  private final AtomicBoolean done = new AtomicBoolean();
  private final Object updates = new Object();
  private volatile ServiceInstance instance;

  /**
   * A handle whose {@link #update} throws {@link UnsupportedOperationException}: for an adapter
   * that cannot change a registration in place.
   *
   * @param instance the instance as registered
   * @param deregister removes the registration; called with this handle, at most once
   */
  public RegistrationHandle(ServiceInstance instance, Consumer<? super RegistrationHandle> deregister) {
    this.instance = requireNonNull(instance, "instance");
    this.deregister = requireNonNull(deregister, "deregister");
    this.updater = null;
  }

  /**
   * @param instance the instance as registered
   * @param deregister removes the registration; called with this handle, at most once
   * @param updater writes an updated instance in place (see the class comment)
   */
  public RegistrationHandle(ServiceInstance instance, Consumer<? super RegistrationHandle> deregister, Updater updater) {
    this.instance = requireNonNull(instance, "instance");
    this.deregister = requireNonNull(deregister, "deregister");
    this.updater = requireNonNull(updater, "updater");
  }

  @Override
  public ServiceInstance instance() {
    return instance;
  }

  @Override
  public void update(ServiceInstance next) {
    requireNonNull(next, "instance");
    Updater u = updater;
    if (u == null) {
      throw new UnsupportedOperationException("this registry adapter cannot update a registration in place");
    }
    synchronized (updates) {
      ServiceInstance previous = instance;
      same("service", next.service(), previous.service());
      same("id", next.id(), previous.id());
      same("host", next.host(), previous.host());
      same("port", String.valueOf(next.port()), String.valueOf(previous.port()));
      if (!isActive()) {
        throw new IllegalStateException("update: " + this + " is closed or superseded");
      }
      instance = next;
      try {
        u.update(this, next);
      } catch (RuntimeException e) {
        instance = previous;
        throw e;
      }
    }
  }

  private static void same(String field, String value, String registered) {
    if (!value.equals(registered)) {
      throw new IllegalArgumentException("update: " + field + " '" + value + "' (expected: '" + registered
          + "', as registered; only weight and metadata can change in place)");
    }
  }

  /**
   * Makes {@link #close()} do nothing from now on: a newer registration of the same (service, id)
   * replaced this one, or the client that made it was closed. Idempotent.
   */
  public void supersede() {
    done.set(true);
  }

  /** Whether this handle is neither closed nor superseded. */
  public boolean isActive() {
    return !done.get();
  }

  /** Runs the deregistration unless this handle was closed or superseded before. */
  @Override
  public void close() {
    if (done.compareAndSet(false, true)) {
      deregister.accept(this);
    }
  }

  @Override
  public String toString() {
    return "Registration[" + instance.service() + "/" + instance.id() + (isActive() ? "" : ", inactive") + "]";
  }
}
