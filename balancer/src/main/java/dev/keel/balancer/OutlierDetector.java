package dev.keel.balancer;

import dev.keel.registry.internal.SerialExecutor;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passive outlier ejection, in the manner of Envoy's: an endpoint is ejected after {@code
 * consecutiveFailures} failures in a row, or when its failure share over one interval reaches the
 * configured rate (given enough requests). The n-th ejection of an endpoint lasts base × n, capped;
 * n decreases by one for every interval the endpoint spends in without tripping. At most
 * max(1, ⌊share × members⌋) endpoints are ejected at once.
 *
 * <p>The detector sits beside the picker, not inside it: it only decides which endpoints the
 * balancer leaves out of the next picker. Confined to the balancer's serial executor (checked).
 */
final class OutlierDetector {
  private static final Logger log = LoggerFactory.getLogger(OutlierDetector.class);

  private static final class Ejections {
    int timesEjected;
    long ejectedUntil;
    boolean trippedThisInterval;
  }

  private final BalancerConfig config;
  private final SerialExecutor serial;
  private final IdentityHashMap<EndpointState, Ejections> records = new IdentityHashMap<>();
  private final long intervalNanos;
  private long nextEvaluation;

  OutlierDetector(BalancerConfig config, long now, SerialExecutor serial) {
    this.config = config;
    this.serial = serial;
    this.intervalNanos = config.outlierInterval().toNanos();
    this.nextEvaluation = now + intervalNanos;
  }

  /** A member reached its consecutive-failure threshold; true when it was ejected. */
  boolean onConsecutiveFailures(EndpointState e, long now, int memberCount) {
    serial.assertInContext();
    return tryEject(e, now, memberCount, "consecutive failures: " + e.consecutiveFailures());
  }

  /**
   * Returns ejected endpoints whose time is up and, once per interval, ejects by failure rate.
   *
   * @return true when any endpoint changed state
   */
  boolean tick(long now, Collection<EndpointState> members) {
    serial.assertInContext();
    boolean changed = false;
    for (Map.Entry<EndpointState, Ejections> en : records.entrySet()) {
      EndpointState e = en.getKey();
      if (e.ejected() && now - en.getValue().ejectedUntil >= 0) {
        e.ejected(false);
        e.startRamp(now);
        changed = true;
        log.info("outlier {} returns after ejection", e.id());
      }
    }
    if (now - nextEvaluation >= 0) {
      nextEvaluation = now + intervalNanos;
      for (EndpointState e : members) {
        long requests = e.drainIntervalRequests();
        long failures = e.drainIntervalFailures();
        double rate = config.outlierFailureRate();
        if (rate > 0 && requests >= config.outlierMinimumRequests() && failures >= rate * requests) {
          changed |= tryEject(e, now, members.size(), "failure rate " + failures + "/" + requests);
        }
      }
      // Forgiveness: an endpoint that stayed in for a whole interval has its multiplier lowered.
      for (Ejections r : records.values()) {
        if (!r.trippedThisInterval && r.timesEjected > 0 && now - r.ejectedUntil >= intervalNanos) {
          r.timesEjected--;
        }
        r.trippedThisInterval = false;
      }
    }
    return changed;
  }

  void remove(EndpointState e) {
    serial.assertInContext();
    records.remove(e);
  }

  private boolean tryEject(EndpointState e, long now, int memberCount, String why) {
    if (e.ejected()) {
      return false;
    }
    int ejectedNow = 0;
    for (EndpointState other : records.keySet()) {
      if (other.ejected()) {
        ejectedNow++;
      }
    }
    int allowed = Math.max(1, (int) Math.floor(config.outlierMaxEjectionShare() * memberCount));
    if (ejectedNow >= allowed) {
      log.debug("outlier {} not ejected ({}): {} of {} already out", e.id(), why, ejectedNow, memberCount);
      return false;
    }
    Ejections r = records.computeIfAbsent(e, k -> new Ejections());
    r.timesEjected++;
    r.trippedThisInterval = true;
    long base = config.outlierBaseEjectionTime().toNanos();
    long max = config.outlierMaxEjectionTime().toNanos();
    long duration = Math.min(max, base * Math.min(r.timesEjected, max / base + 1));
    r.ejectedUntil = now + duration;
    e.ejected(true);
    log.info("outlier {} ejected for {} ms ({}, time {})", e.id(), duration / 1_000_000, why, r.timesEjected);
    return true;
  }

  /** How many times {@code e} has been ejected (with forgiveness applied); for tests and status. */
  int timesEjected(EndpointState e) {
    Ejections r = records.get(e);
    return r == null ? 0 : r.timesEjected;
  }
}
