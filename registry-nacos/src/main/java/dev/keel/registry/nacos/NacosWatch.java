package dev.keel.registry.nacos;

import com.alibaba.nacos.api.exception.NacosException;
import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.api.naming.listener.AbstractEventListener;
import com.alibaba.nacos.api.naming.listener.Event;
import com.alibaba.nacos.api.naming.listener.NamingEvent;
import com.alibaba.nacos.api.naming.pojo.Instance;
import dev.keel.registry.InstanceSet;
import dev.keel.registry.RegistryHealth;
import dev.keel.registry.Subscription;
import dev.keel.registry.internal.HealthTracker;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watch of one service through {@link NamingService#subscribe}.
 *
 * <p>Every snapshot reaches the listener through {@code delivery}, one serial executor per client, so
 * snapshots arrive in order and never concurrently. nacos-client calls its listeners only on changes,
 * so the initial snapshot is read from its cache once the subscription is in place (a service nobody
 * registered yields an empty initial snapshot). Subscribing runs on {@code control}, never on the
 * caller's thread: when the server is unreachable {@code watch} returns at once, nacos-client
 * subscribes again once it reconnects, and the initial read is retried every second until it works.
 *
 * <p>nacos-client decides what a change is by host and port: when Nacos lists two registrations of
 * one address (a restarted process registered its id again while its predecessor's connection is
 * still open), a push that only brings the newer registration goes unannounced if the older one
 * happens to be listed last. Its cache holds the push all the same, so the watch reads that cache
 * every {@value #CACHE_CHECK_MILLIS} ms while the registry is reachable (a local read, no request)
 * and delivers the set if it differs from the last one delivered.
 */
final class NacosWatch extends AbstractEventListener implements Subscription {
  private static final Logger log = LoggerFactory.getLogger(NacosWatch.class);
  private static final long RETRY_MILLIS = 1000;
  static final long CACHE_CHECK_MILLIS = 1000;

  private final NamingService naming;
  private final String service;
  private final String group;
  private final List<String> clusters;
  private final Consumer<InstanceSet> listener;
  private final Executor delivery;
  private final ScheduledExecutorService control;
  private final AtomicLong revisions;
  private final HealthTracker health;
  private final Runnable onClose;
  private volatile boolean closed;
  private boolean delivered; // on delivery only
  private @Nullable InstanceSet last; // on delivery only
  private @Nullable ScheduledFuture<?> cacheCheck; // on control only
  private boolean subscribed; // on control only

  NacosWatch(NamingService naming, String service, String group, List<String> clusters,
      Consumer<InstanceSet> listener, Executor delivery, ScheduledExecutorService control, AtomicLong revisions,
      HealthTracker health, Runnable onClose) {
    this.naming = naming;
    this.service = service;
    this.group = group;
    this.clusters = clusters;
    this.listener = listener;
    this.delivery = delivery;
    this.control = control;
    this.revisions = revisions;
    this.health = health;
    this.onClose = onClose;
  }

  void start() {
    control.execute(this::subscribeAndRead);
  }

  @Override
  public Executor getExecutor() {
    return delivery;
  }

  /** nacos-client's change event, run on {@link #delivery}. */
  @Override
  public void onEvent(Event event) {
    if (event instanceof NamingEvent) {
      deliver(((NamingEvent) event).getInstances());
    }
  }

  private void subscribeAndRead() {
    if (closed) {
      return;
    }
    if (!subscribed) {
      try {
        naming.subscribe(service, group, clusters, this);
        subscribed = true;
      } catch (NacosException | RuntimeException e) {
        // nacos-client has kept the subscription and makes it once it is connected again.
        subscribed = true;
        log.debug("nacos: could not subscribe to service '{}' now ({}); retrying", service, message(e));
      }
    }
    List<Instance> initial;
    try {
      initial = naming.getAllInstances(service, group, clusters, true);
    } catch (NacosException | RuntimeException e) {
      log.debug("nacos: initial read of service '{}' failed ({}); retrying", service, message(e));
      try {
        control.schedule(this::subscribeAndRead, RETRY_MILLIS, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException closing) {
        // the client is closing
      }
      return;
    }
    delivery.execute(() -> {
      if (!delivered) {
        deliver(initial);
      }
    });
    if (cacheCheck == null) {
      try {
        cacheCheck = control.scheduleWithFixedDelay(this::checkCache, CACHE_CHECK_MILLIS, CACHE_CHECK_MILLIS,
            TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException closing) {
        // the client is closing
      }
    }
  }

  /** On {@code control}: what nacos-client's cache holds now, delivered if it is news (see the class comment). */
  private void checkCache() {
    if (closed || health.health().state() != RegistryHealth.State.REACHABLE) {
      return; // while unreachable, a read could wait for the server; the reconnect brings a push
    }
    List<Instance> cached;
    try {
      cached = naming.getAllInstances(service, group, clusters, true);
    } catch (NacosException | RuntimeException e) {
      log.debug("nacos: reading the cached instances of service '{}' failed ({})", service, message(e));
      return;
    }
    delivery.execute(() -> {
      if (delivered && !closed) {
        InstanceSet now = InstanceMapping.toSet(service, cached, clusters, 0, health);
        if (last != null && !now.equals(last.withRevision(0))) {
          deliver(cached);
        }
      }
    });
  }

  private void deliver(List<Instance> instances) {
    if (closed) {
      return;
    }
    delivered = true;
    InstanceSet set = InstanceMapping.toSet(service, instances, clusters, revisions.incrementAndGet(), health);
    last = set;
    try {
      listener.accept(set);
    } catch (RuntimeException e) {
      log.warn("a listener of service '{}' threw; the watch goes on", service, e);
    }
  }

  @Override
  public void close() {
    close(true);
  }

  /**
   * Stops deliveries; with {@code unsubscribe}, also ends the Nacos subscription (not needed when the
   * client is about to shut nacos-client down, which ends it with the connection).
   */
  void close(boolean unsubscribe) {
    if (closed) {
      return;
    }
    closed = true;
    onClose.run();
    try {
      control.execute(() -> {
        if (cacheCheck != null) {
          cacheCheck.cancel(false);
        }
        if (!unsubscribe) {
          return;
        }
        try {
          naming.unsubscribe(service, group, clusters, this);
        } catch (NacosException | RuntimeException e) {
          log.debug("nacos: could not unsubscribe from service '{}' ({})", service, message(e));
        }
      });
    } catch (RejectedExecutionException closing) {
      // the client is closing and shuts nacos-client down
    }
  }

  static String message(Throwable e) {
    return e instanceof NacosException ? ((NacosException) e).getErrMsg() : e.toString();
  }
}
