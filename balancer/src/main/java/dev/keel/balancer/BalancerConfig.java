package dev.keel.balancer;

import static java.util.Objects.requireNonNull;

import dev.keel.registry.Durations;
import java.time.Duration;

/**
 * Immutable settings of a {@link Balancer} and its {@link ConnectionBalancer}. Build with {@link
 * #builder()}; every setting has a default (see balancer/README.md for the table). A bad value is an
 * {@link IllegalArgumentException} naming the field and the value, e.g. {@code
 * "rebalanceTolerance: -1.0 (expected: 0.0..1.0)"}.
 */
public final class BalancerConfig {
  private static final BalancerConfig DEFAULTS = new Builder().build();

  /** Which connection counts a {@link ConnectionBalancer} balances by. */
  public enum ConnectionCounts {
    /**
     * The counts the instances publish ({@code keel.connections}), which cover every client process,
     * while every available instance publishes one; this process's own counts otherwise (fleet
     * mode: see balancer/README.md).
     */
    AUTO,
    /** This process's own connections only, whatever the instances publish. */
    LOCAL
  }

  private final String policy;
  private final int outlierConsecutiveFailures;
  private final double outlierFailureRate;
  private final int outlierMinimumRequests;
  private final Duration outlierInterval;
  private final Duration outlierBaseEjectionTime;
  private final Duration outlierMaxEjectionTime;
  private final double outlierMaxEjectionShare;
  private final Duration healthInterval;
  private final Duration healthTimeout;
  private final int healthRise;
  private final int healthFall;
  private final Duration slowStartWindow;
  private final double slowStartAggression;
  private final double slowStartMinWeight;
  private final double panicThreshold;
  private final double hashBalanceFactor;
  private final Duration ewmaDecay;
  private final double rebalanceTolerance;
  private final Duration rebalanceSettle;
  private final double rebalanceMaxShedPerSecond;
  private final ConnectionCounts rebalanceCounts;
  private final Duration rebalanceRound;

  private BalancerConfig(Builder b) {
    policy = b.policy;
    outlierConsecutiveFailures = b.outlierConsecutiveFailures;
    outlierFailureRate = b.outlierFailureRate;
    outlierMinimumRequests = b.outlierMinimumRequests;
    outlierInterval = b.outlierInterval;
    outlierBaseEjectionTime = b.outlierBaseEjectionTime;
    outlierMaxEjectionTime = b.outlierMaxEjectionTime;
    outlierMaxEjectionShare = b.outlierMaxEjectionShare;
    healthInterval = b.healthInterval;
    healthTimeout = b.healthTimeout;
    healthRise = b.healthRise;
    healthFall = b.healthFall;
    slowStartWindow = b.slowStartWindow;
    slowStartAggression = b.slowStartAggression;
    slowStartMinWeight = b.slowStartMinWeight;
    panicThreshold = b.panicThreshold;
    hashBalanceFactor = b.hashBalanceFactor;
    ewmaDecay = b.ewmaDecay;
    rebalanceTolerance = b.rebalanceTolerance;
    rebalanceSettle = b.rebalanceSettle;
    rebalanceMaxShedPerSecond = b.rebalanceMaxShedPerSecond;
    rebalanceCounts = b.rebalanceCounts;
    rebalanceRound = b.rebalanceRound;
  }

  /** All defaults. */
  public static BalancerConfig defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this config's values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.policy = policy;
    b.outlierConsecutiveFailures = outlierConsecutiveFailures;
    b.outlierFailureRate = outlierFailureRate;
    b.outlierMinimumRequests = outlierMinimumRequests;
    b.outlierInterval = outlierInterval;
    b.outlierBaseEjectionTime = outlierBaseEjectionTime;
    b.outlierMaxEjectionTime = outlierMaxEjectionTime;
    b.outlierMaxEjectionShare = outlierMaxEjectionShare;
    b.healthInterval = healthInterval;
    b.healthTimeout = healthTimeout;
    b.healthRise = healthRise;
    b.healthFall = healthFall;
    b.slowStartWindow = slowStartWindow;
    b.slowStartAggression = slowStartAggression;
    b.slowStartMinWeight = slowStartMinWeight;
    b.panicThreshold = panicThreshold;
    b.hashBalanceFactor = hashBalanceFactor;
    b.ewmaDecay = ewmaDecay;
    b.rebalanceTolerance = rebalanceTolerance;
    b.rebalanceSettle = rebalanceSettle;
    b.rebalanceMaxShedPerSecond = rebalanceMaxShedPerSecond;
    b.rebalanceCounts = rebalanceCounts;
    b.rebalanceRound = rebalanceRound;
    return b;
  }

  /** Policy name (default {@code round-robin}). */
  public String policy() { return policy; }
  /** Consecutive failures that eject an endpoint (default 5; 0 = off). */
  public int outlierConsecutiveFailures() { return outlierConsecutiveFailures; }
  /** Failure share over one interval that ejects an endpoint (default 0.5; 0 = off). */
  public double outlierFailureRate() { return outlierFailureRate; }
  /** Requests an endpoint needs in an interval before its failure rate counts (default 20). */
  public int outlierMinimumRequests() { return outlierMinimumRequests; }
  /** Failure-rate evaluation interval (default 10 s). */
  public Duration outlierInterval() { return outlierInterval; }
  /** Ejection time per ejection: base × times ejected (default 30 s). */
  public Duration outlierBaseEjectionTime() { return outlierBaseEjectionTime; }
  /** Cap on one ejection's length (default 300 s). */
  public Duration outlierMaxEjectionTime() { return outlierMaxEjectionTime; }
  /** Largest share of members ejected at once; one may always be (default 0.10). */
  public double outlierMaxEjectionShare() { return outlierMaxEjectionShare; }
  /** Active health-check interval (default 5 s); checks run only when a checker is set. */
  public Duration healthInterval() { return healthInterval; }
  /** Active health-check timeout (default 1 s). */
  public Duration healthTimeout() { return healthTimeout; }
  /** Passed checks that bring a down endpoint back (default 2). */
  public int healthRise() { return healthRise; }
  /** Failed checks that take an up endpoint down (default 3). */
  public int healthFall() { return healthFall; }
  /** Slow-start ramp window (default 30 s; zero = off). */
  public Duration slowStartWindow() { return slowStartWindow; }
  /** Slow-start aggression a: weight × (t/window)^(1/a) (default 1.0 = linear). */
  public double slowStartAggression() { return slowStartAggression; }
  /** Slow-start floor: the smallest fraction of its weight a ramping endpoint gets (default 0.1). */
  public double slowStartMinWeight() { return slowStartMinWeight; }
  /**
   * Available share below which the balancer is in panic (default 0.5; 0 = never): it then picks
   * from ejected members too, but never from members down by active health checks.
   */
  public double panicThreshold() { return panicThreshold; }
  /**
   * Bounded-load factor c of {@code ring-hash} (HAProxy's {@code hash-balance-factor}; default
   * 1.25): a key moves clockwise off an endpoint that already holds c × its weighted share of the
   * requests in flight. 0 is strict affinity (unbounded): a key stays on its endpoint however busy,
   * and moves only when that endpoint is not available (removed, down, ejected), returning with it.
   */
  public double hashBalanceFactor() { return hashBalanceFactor; }
  /** Time constant of the peak-EWMA latency (default 10 s). */
  public Duration ewmaDecay() { return ewmaDecay; }
  /** Allowed spread of long connections: max(connections ÷ share) ≤ 1 + tolerance (default 0.10). */
  public double rebalanceTolerance() { return rebalanceTolerance; }
  /** Quiet time after the last membership change before shedding starts (default 5 s). */
  public Duration rebalanceSettle() { return rebalanceSettle; }
  /** Most connections shed per second (default 50). */
  public double rebalanceMaxShedPerSecond() { return rebalanceMaxShedPerSecond; }
  /** Which connection counts rebalancing reads (default {@link ConnectionCounts#AUTO}). */
  public ConnectionCounts rebalanceCounts() { return rebalanceCounts; }
  /**
   * Fleet mode: each connection decides whether to move at a random moment within this window after
   * its instance's published count changes (default 5 s).
   */
  public Duration rebalanceRound() { return rebalanceRound; }

  @Override
  public String toString() {
    return "BalancerConfig{policy=" + policy + ", outlier=" + outlierConsecutiveFailures + "/"
        + outlierFailureRate + "/" + Durations.format(outlierBaseEjectionTime) + ".."
        + Durations.format(outlierMaxEjectionTime) + " max " + outlierMaxEjectionShare + ", health="
        + Durations.format(healthInterval) + "/" + Durations.format(healthTimeout) + " rise " + healthRise
        + " fall " + healthFall + ", slowStart=" + Durations.format(slowStartWindow) + ", panic=" + panicThreshold
        + ", rebalance=" + rebalanceTolerance + "/" + Durations.format(rebalanceSettle)
        + "/" + rebalanceMaxShedPerSecond + " counts " + rebalanceCounts + " round " + Durations.format(rebalanceRound)
        + "}";
  }

  /** Builder of {@link BalancerConfig}; not thread-safe. Each setter validates its argument. */
  public static final class Builder {
    private String policy = "round-robin";
    private int outlierConsecutiveFailures = 5;
    private double outlierFailureRate = 0.5;
    private int outlierMinimumRequests = 20;
    private Duration outlierInterval = Duration.ofSeconds(10);
    private Duration outlierBaseEjectionTime = Duration.ofSeconds(30);
    private Duration outlierMaxEjectionTime = Duration.ofMinutes(5);
    private double outlierMaxEjectionShare = 0.10;
    private Duration healthInterval = Duration.ofSeconds(5);
    private Duration healthTimeout = Duration.ofSeconds(1);
    private int healthRise = 2;
    private int healthFall = 3;
    private Duration slowStartWindow = Duration.ofSeconds(30);
    private double slowStartAggression = 1.0;
    private double slowStartMinWeight = 0.1;
    private double panicThreshold = 0.5;
    private double hashBalanceFactor = 1.25;
    private Duration ewmaDecay = Duration.ofSeconds(10);
    private double rebalanceTolerance = 0.10;
    private Duration rebalanceSettle = Duration.ofSeconds(5);
    private double rebalanceMaxShedPerSecond = 50;
    private ConnectionCounts rebalanceCounts = ConnectionCounts.AUTO;
    private Duration rebalanceRound = Duration.ofSeconds(5);

    private Builder() {}

    public Builder policy(String policy) {
      requireNonNull(policy, "policy");
      if (policy.isBlank()) {
        throw new IllegalArgumentException("policy: '" + policy + "' (expected: a policy name)");
      }
      this.policy = policy;
      return this;
    }

    public Builder outlierConsecutiveFailures(int n) {
      outlierConsecutiveFailures = intAtLeast("outlierConsecutiveFailures", n, 0);
      return this;
    }

    public Builder outlierFailureRate(double rate) {
      outlierFailureRate = fraction("outlierFailureRate", rate);
      return this;
    }

    public Builder outlierMinimumRequests(int n) {
      outlierMinimumRequests = intAtLeast("outlierMinimumRequests", n, 1);
      return this;
    }

    public Builder outlierInterval(Duration d) {
      outlierInterval = positive("outlierInterval", d);
      return this;
    }

    public Builder outlierBaseEjectionTime(Duration d) {
      outlierBaseEjectionTime = positive("outlierBaseEjectionTime", d);
      return this;
    }

    public Builder outlierMaxEjectionTime(Duration d) {
      outlierMaxEjectionTime = positive("outlierMaxEjectionTime", d);
      return this;
    }

    public Builder outlierMaxEjectionShare(double share) {
      outlierMaxEjectionShare = fraction("outlierMaxEjectionShare", share);
      return this;
    }

    public Builder healthInterval(Duration d) {
      healthInterval = positive("healthInterval", d);
      return this;
    }

    public Builder healthTimeout(Duration d) {
      healthTimeout = positive("healthTimeout", d);
      return this;
    }

    public Builder healthRise(int n) {
      healthRise = intAtLeast("healthRise", n, 1);
      return this;
    }

    public Builder healthFall(int n) {
      healthFall = intAtLeast("healthFall", n, 1);
      return this;
    }

    public Builder slowStartWindow(Duration d) {
      slowStartWindow = notNegative("slowStartWindow", d);
      return this;
    }

    public Builder slowStartAggression(double a) {
      if (!(a > 0) || Double.isInfinite(a)) {
        throw new IllegalArgumentException("slowStartAggression: " + a + " (expected: > 0.0)");
      }
      slowStartAggression = a;
      return this;
    }

    public Builder slowStartMinWeight(double fraction) {
      slowStartMinWeight = fraction("slowStartMinWeight", fraction);
      return this;
    }

    public Builder panicThreshold(double share) {
      panicThreshold = fraction("panicThreshold", share);
      return this;
    }

    /** See {@link BalancerConfig#hashBalanceFactor()}: 0 (strict affinity) or at least 1.0. */
    public Builder hashBalanceFactor(double c) {
      if (!(c == 0 || (c >= 1.0 && !Double.isInfinite(c)))) {
        throw new IllegalArgumentException("hashBalanceFactor: " + c + " (expected: 0 or >= 1.0)");
      }
      hashBalanceFactor = c;
      return this;
    }

    public Builder ewmaDecay(Duration d) {
      ewmaDecay = positive("ewmaDecay", d);
      return this;
    }

    public Builder rebalanceTolerance(double t) {
      rebalanceTolerance = fraction("rebalanceTolerance", t);
      return this;
    }

    public Builder rebalanceSettle(Duration d) {
      rebalanceSettle = notNegative("rebalanceSettle", d);
      return this;
    }

    public Builder rebalanceMaxShedPerSecond(double rate) {
      if (!(rate > 0) || Double.isInfinite(rate)) {
        throw new IllegalArgumentException("rebalanceMaxShedPerSecond: " + rate + " (expected: > 0.0)");
      }
      rebalanceMaxShedPerSecond = rate;
      return this;
    }

    public Builder rebalanceCounts(ConnectionCounts counts) {
      rebalanceCounts = requireNonNull(counts, "rebalanceCounts");
      return this;
    }

    public Builder rebalanceRound(Duration d) {
      rebalanceRound = positive("rebalanceRound", d);
      if (d.compareTo(Duration.ofHours(1)) > 0) {
        throw new IllegalArgumentException("rebalanceRound: " + Durations.format(d) + " (expected: > 0 and <= 1h)");
      }
      return this;
    }

    public BalancerConfig build() {
      if (outlierMaxEjectionTime.compareTo(outlierBaseEjectionTime) < 0) {
        throw new IllegalArgumentException("outlierMaxEjectionTime: " + Durations.format(outlierMaxEjectionTime)
            + " (expected: >= outlierBaseEjectionTime " + Durations.format(outlierBaseEjectionTime) + ")");
      }
      return new BalancerConfig(this);
    }

    private static int intAtLeast(String field, int value, int min) {
      if (value < min) {
        throw new IllegalArgumentException(field + ": " + value + " (expected: >= " + min + ")");
      }
      return value;
    }

    private static double fraction(String field, double value) {
      if (!(value >= 0.0 && value <= 1.0)) {
        throw new IllegalArgumentException(field + ": " + value + " (expected: 0.0..1.0)");
      }
      return value;
    }

    private static Duration notNegative(String field, Duration d) {
      requireNonNull(d, field);
      if (d.isNegative()) {
        throw new IllegalArgumentException(field + ": " + Durations.format(d) + " (expected: >= 0)");
      }
      return d;
    }

    private static Duration positive(String field, Duration d) {
      requireNonNull(d, field);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(field + ": " + Durations.format(d) + " (expected: > 0)");
      }
      return d;
    }
  }
}
