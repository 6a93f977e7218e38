package dev.keel.balancer;

import dev.keel.registry.internal.SerialExecutor;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active health checks with rise/fall hysteresis (HAProxy's model): an up endpoint goes down after
 * {@code fall} failed checks in a row, a down one comes back after {@code rise} passed checks in a
 * row, and then ramps up through slow start. New endpoints start up. Confined to the serial
 * executor (checked); check results are handed back to it.
 */
final class ActiveHealth {
  private static final Logger log = LoggerFactory.getLogger(ActiveHealth.class);

  private static final class Checks {
    long nextCheck;
    long startedAt;
    int generation; // a late answer from an abandoned check is ignored
    boolean running;
    int passes;
    int fails;
  }

  private final HealthChecker checker;
  private final BalancerConfig config;
  private final SerialExecutor serial;
  private final LongSupplier nanoTime;
  private final Runnable onChange;
  private final IdentityHashMap<EndpointState, Checks> records = new IdentityHashMap<>();
  private final Duration timeout;
  private final long intervalNanos;

  ActiveHealth(HealthChecker checker, BalancerConfig config, SerialExecutor serial, LongSupplier nanoTime,
      Runnable onChange) {
    this.checker = checker;
    this.config = config;
    this.serial = serial;
    this.nanoTime = nanoTime;
    this.onChange = onChange;
    this.timeout = config.healthTimeout();
    this.intervalNanos = config.healthInterval().toNanos();
  }

  void add(EndpointState e, long now) {
    serial.assertInContext();
    Checks r = new Checks();
    r.nextCheck = now; // first check on the next tick
    records.put(e, r);
  }

  void remove(EndpointState e) {
    serial.assertInContext();
    records.remove(e);
  }

  /** Starts the checks that are due. */
  void tick(long now) {
    serial.assertInContext();
    for (Map.Entry<EndpointState, Checks> en : records.entrySet()) {
      Checks r = en.getValue();
      EndpointState e = en.getKey();
      if (r.running && now - r.startedAt >= timeout.toNanos() + intervalNanos) {
        // The checker broke its promise to finish within the timeout: count a failure, move on.
        r.generation++;
        apply(e, r, false);
      }
      if (r.running || now - r.nextCheck < 0) {
        continue;
      }
      r.running = true;
      r.startedAt = now;
      r.nextCheck = now + intervalNanos;
      int generation = ++r.generation;
      CompletionStage<Boolean> result;
      try {
        result = checker.check(e.instance(), timeout);
      } catch (RuntimeException ex) {
        log.debug("health check of {} threw", e.id(), ex);
        apply(e, r, false);
        continue;
      }
      result.whenComplete((ok, err) ->
          serial.execute(() -> {
            Checks current = records.get(e);
            if (current == r && r.generation == generation) {
              apply(e, r, err == null && Boolean.TRUE.equals(ok));
            }
          }));
    }
  }

  private void apply(EndpointState e, Checks r, boolean passed) {
    serial.assertInContext();
    r.running = false;
    boolean changed = false;
    if (passed) {
      r.fails = 0;
      if (!e.healthy() && ++r.passes >= config.healthRise()) {
        r.passes = 0;
        e.healthy(true);
        e.startRamp(nanoTime.getAsLong());
        changed = true;
        log.info("endpoint {} is up after {} passed checks", e.id(), config.healthRise());
      }
    } else {
      r.passes = 0;
      if (e.healthy() && ++r.fails >= config.healthFall()) {
        r.fails = 0;
        e.healthy(false);
        changed = true;
        log.info("endpoint {} is down after {} failed checks", e.id(), config.healthFall());
      }
    }
    if (changed) {
      onChange.run();
    }
  }
}
