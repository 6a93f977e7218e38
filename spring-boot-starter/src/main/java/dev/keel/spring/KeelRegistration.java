package dev.keel.spring;

import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.keel.registry.Registration;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.Environment;

/**
 * This application's registration in the registry, following the application's life:
 *
 * <ul>
 *   <li><b>Ready</b> ({@link ApplicationReadyEvent}): registers {@code keel.registration.service}
 *       (default {@code spring.application.name}) at the web server's actual port. Without a web
 *       server and without {@code keel.registration.port}, registers nothing unless {@code
 *       keel.registration.enabled=true}, which then fails start-up saying what is missing.
 *   <li><b>Readiness</b> ({@link AvailabilityChangeEvent} of {@link ReadinessState}): refusing
 *       traffic deregisters, accepting traffic again registers again.
 *   <li><b>Shutdown</b>: deregisters <em>first</em>, then keeps serving for {@code
 *       keel.registration.drain-delay} so callers learn it is gone, and only then lets the web
 *       server stop taking requests. Spring Boot publishes "refusing traffic" as the context starts
 *       closing, and this lifecycle stops in the first phase ({@link SmartLifecycle#DEFAULT_PHASE}),
 *       before the web server's graceful shutdown and its stop. Spring Cloud's known bug class is
 *       the other order: callers sent to a stopped instance until the registry times it out.
 * </ul>
 *
 * A registration failure at start-up fails start-up (with the service, address and registry). The
 * registry adapter keeps the registration alive and restores it after session or lease loss.
 * Thread-safe.
 */
public final class KeelRegistration implements SmartLifecycle, ApplicationListener<ApplicationEvent> {
  private static final Logger log = LoggerFactory.getLogger(KeelRegistration.class);

  /** Where the registration stands. */
  public enum State {
    /** Not registered yet: the application is not ready, or is not registering (no web server). */
    PENDING,
    /** Registered. */
    REGISTERED,
    /** Deregistered: the application refuses traffic or is shutting down. */
    DEREGISTERED
  }

  private final RegistryClient registry;
  private final KeelProperties.Registration settings;
  private final Environment environment;
  private final String service;
  @GuardedBy("this")
  private @Nullable Registration registration;
  private volatile @Nullable ServiceInstance instance;
  private volatile State state = State.PENDING;
  private volatile long deregisteredAt;
  private volatile boolean running;
  private volatile boolean stopping;

  KeelRegistration(RegistryClient registry, KeelProperties.Registration settings, Environment environment) {
    this.registry = registry;
    this.settings = settings;
    this.environment = environment;
    this.service = serviceName(settings, environment);
    RegistrationAddress.check(settings, service); // bad settings fail start-up now, not when ready
  }

  private static String serviceName(KeelProperties.Registration settings, Environment environment) {
    String name = settings.getService();
    if (name == null || name.isBlank()) {
      name = environment.getProperty("spring.application.name");
    }
    if (name == null || name.isBlank()) {
      throw new IllegalStateException("keel.registration.service: not set, nor is spring.application.name "
          + "(expected: the service name to register this application under; or keel.registration.enabled=false)");
    }
    return name;
  }

  /** The service this application registers as. */
  public String service() {
    return service;
  }

  public State state() {
    return state;
  }

  /** The instance as last registered, or null before the first registration. */
  public @Nullable ServiceInstance instance() {
    return instance;
  }

  @Override
  public void onApplicationEvent(ApplicationEvent event) {
    if (event instanceof ApplicationReadyEvent) {
      register();
    } else if (event instanceof AvailabilityChangeEvent<?> change) {
      if (change.getState() == ReadinessState.REFUSING_TRAFFIC) {
        deregister("the application refuses traffic");
      } else if (change.getState() == ReadinessState.ACCEPTING_TRAFFIC && state == State.DEREGISTERED && !stopping) {
        register();
      }
    }
  }

  private synchronized void register() {
    if (registration != null || stopping) {
      return;
    }
    ServiceInstance i = RegistrationAddress.instance(settings, service, environment);
    if (i == null) {
      log.debug("not registering {}: no web server runs and keel.registration.port is not set", service);
      return;
    }
    try {
      registration = registry.register(i);
    } catch (RuntimeException e) {
      throw new IllegalStateException("keel.registration: could not register " + service + " (" + i.id() + " at "
          + i.host() + ":" + i.port() + ") in " + registry + ": " + e.getMessage(), e);
    }
    instance = i;
    state = State.REGISTERED;
    log.info("registered {} as {} ({}:{})", service, i.id(), i.host(), i.port());
  }

  /** Deregisters if registered; returns whether it did. */
  private synchronized boolean deregister(String why) {
    Registration r = registration;
    if (r == null) {
      return false;
    }
    registration = null;
    r.close();
    deregisteredAt = System.nanoTime();
    state = State.DEREGISTERED;
    log.info("deregistered {} ({}): {}", service, r.instance().id(), why);
    return true;
  }

  @Override
  public void start() {
    running = true;
  }

  @Override
  public void stop() {
    throw new UnsupportedOperationException("stop(Runnable) is the one Spring calls on a SmartLifecycle");
  }

  /**
   * Deregisters, then reports stopped once the drain delay has passed since deregistering, so the
   * next phases (the web server's graceful shutdown) start only then.
   */
  @Override
  public void stop(Runnable callback) {
    stopping = true;
    running = false;
    deregister("shutting down");
    long drainNanos = settings.getDrainDelay().toNanos();
    long remaining = state == State.DEREGISTERED ? drainNanos - (System.nanoTime() - deregisteredAt) : 0;
    if (remaining <= 0) {
      callback.run();
      return;
    }
    log.info("{}: serving {} ms more while callers drop this instance", service, TimeUnit.NANOSECONDS.toMillis(remaining));
    CompletableFuture.delayedExecutor(remaining, TimeUnit.NANOSECONDS).execute(callback);
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    return SmartLifecycle.DEFAULT_PHASE;
  }

  /** For the health indicator and logs: service, state and instance. */
  Map<String, Object> details() {
    ServiceInstance i = instance;
    return i == null ? Map.of("service", service, "state", state)
        : Map.of("service", service, "state", state, "instance", i.id(), "address", i.host() + ":" + i.port());
  }

  Duration drainDelay() {
    return settings.getDrainDelay();
  }
}
