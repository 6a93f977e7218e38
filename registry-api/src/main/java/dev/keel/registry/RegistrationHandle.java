package dev.keel.registry;

import static java.util.Objects.requireNonNull;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

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
 * <p>Thread-safe. The deregistration runs on the thread that closes the handle; it must not throw
 * for a registry that cannot be reached (log instead), as {@link Registration#close()} promises.
 */
public final class RegistrationHandle implements Registration {
  private final ServiceInstance instance;
  private final Consumer<? super RegistrationHandle> deregister;
  private final AtomicBoolean done = new AtomicBoolean();

  /**
   * @param instance the instance as registered
   * @param deregister removes the registration; called with this handle, at most once
   */
  public RegistrationHandle(ServiceInstance instance, Consumer<? super RegistrationHandle> deregister) {
    this.instance = requireNonNull(instance, "instance");
    this.deregister = requireNonNull(deregister, "deregister");
  }

  @Override
  public ServiceInstance instance() {
    return instance;
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
