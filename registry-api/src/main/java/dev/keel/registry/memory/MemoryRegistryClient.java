package dev.keel.registry.memory;

import static java.util.Objects.requireNonNull;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.keel.registry.InstanceSet;
import dev.keel.registry.Registration;
import dev.keel.registry.RegistrationHandle;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import dev.keel.registry.Subscription;
import dev.keel.registry.internal.GuardedRegistryClient;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/** A raw client of one {@link MemoryRegistry}; {@link dev.keel.registry.Registries} guards it. */
final class MemoryRegistryClient implements RegistryClient {
  private static final AtomicLong SESSIONS = new AtomicLong();

  private final MemoryRegistry store;
  private final long session = SESSIONS.incrementAndGet();
  @GuardedBy("this")
  private final Map<String, RegistrationHandle> registrations = new LinkedHashMap<>();
  @GuardedBy("this")
  private final List<Subscription> subscriptions = new ArrayList<>();
  private boolean closed;

  MemoryRegistryClient(MemoryRegistry store) {
    this.store = requireNonNull(store, "store");
    store.attach(this);
  }

  long sessionId() {
    return session;
  }

  boolean isOrWraps(RegistryClient client) {
    return client == this
        || (client instanceof GuardedRegistryClient && ((GuardedRegistryClient) client).delegate() == this);
  }

  @Override
  public Registration register(ServiceInstance instance) {
    requireNonNull(instance, "instance");
    RegistrationHandle r = new RegistrationHandle(instance, this::deregister, this::update);
    synchronized (this) {
      checkOpen();
      RegistrationHandle previous = registrations.put(key(instance), r);
      if (previous != null) {
        previous.supersede();
      }
      store.put(session, instance);
    }
    return r;
  }

  @Override
  public InstanceSet resolve(String service) {
    checkOpen();
    return store.instances(service);
  }

  @Override
  public Subscription watch(String service, Consumer<InstanceSet> listener) {
    requireNonNull(listener, "listener");
    Subscription s;
    synchronized (this) {
      checkOpen();
      Watcher w = new Watcher(listener);
      Runnable cancel = store.watch(service, w);
      s = () -> {
        w.closed = true;
        cancel.run();
      };
      subscriptions.add(s);
    }
    return s;
  }

  /** Puts every live registration back, as a client does after reconnecting. */
  void restoreRegistrations() {
    synchronized (this) {
      if (closed) {
        return;
      }
      for (RegistrationHandle r : registrations.values()) {
        store.put(session, r.instance());
      }
    }
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      subscriptions.forEach(Subscription::close);
      subscriptions.clear();
      registrations.values().forEach(RegistrationHandle::supersede);
      registrations.clear();
    }
    store.removeAllOf(session);
    store.detach(this);
  }

  /** In place: the store replaces the entry, so watchers see it change, never go. */
  private synchronized void update(RegistrationHandle r, ServiceInstance next) {
    checkOpen();
    if (registrations.get(key(next)) != r) {
      throw new IllegalStateException("update: " + r + " was superseded");
    }
    store.put(session, next);
  }

  private synchronized void deregister(RegistrationHandle r) {
    if (registrations.remove(key(r.instance()), r)) {
      store.remove(session, r.instance());
    }
  }

  private synchronized void checkOpen() {
    if (closed) {
      throw new IllegalStateException("registry client is closed");
    }
  }

  private static String key(ServiceInstance instance) {
    return instance.service() + '\u0000' + instance.id();
  }

  private static final class Watcher implements Consumer<InstanceSet> {
    final Consumer<InstanceSet> listener;
    volatile boolean closed;

    Watcher(Consumer<InstanceSet> listener) {
      this.listener = listener;
    }

    @Override
    public void accept(InstanceSet set) {
      if (!closed) {
        listener.accept(set);
      }
    }
  }

  @Override
  public List<String> services() {
    checkOpen();
    return store.services();
  }

  @Override
  public String toString() {
    return "memory://" + store.name();
  }
}
