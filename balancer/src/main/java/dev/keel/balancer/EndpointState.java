package dev.keel.balancer;

import dev.keel.registry.ServiceInstance;
import dev.keel.registry.internal.SerialExecutor;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The balancer's per-instance state. Request-path methods are lock-free and allocation-free; the
 * fields marked "serial" are written only on the balancer's serial executor, and their setters check
 * it ({@link SerialExecutor#assertInContext()}).
 */
final class EndpointState implements Endpoint {
  /** Told when consecutive failures reach a multiple of the threshold; must not block. */
  interface FailureListener {
    void onConsecutiveFailures(EndpointState endpoint);
  }

  private static final long NO_RAMP = Long.MIN_VALUE;
  private static final Object[] NO_ATTACHMENTS = new Object[0];

  private final String id;
  private final LongSupplier nanoTime;
  private final double decayNanos;
  private final LongAdder balancerInFlight;
  private final FailureListener failureListener;
  private final int failureThreshold;
  private final SerialExecutor serial;

  private volatile ServiceInstance instance;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger consecutiveFailures = new AtomicInteger();
  private final AtomicInteger connections = new AtomicInteger();
  private final PublishedCount published = new PublishedCount();
  private final LongAdder requests = new LongAdder();
  private final LongAdder failures = new LongAdder();
  // Drained by the outlier detector once per interval, for the failure rate.
  private final AtomicLong intervalRequests = new AtomicLong();
  private final AtomicLong intervalFailures = new AtomicLong();

  // Peak EWMA: value and the time it was last updated. Updates race benignly: a lost update under
  // contention only drops one sample from an estimate that is an estimate anyway.
  private volatile double ewma;
  private volatile long ewmaStamp;
  // The plain EWMA of the same samples (no peak): what a client typically waits, for display.
  private volatile double latencyEwma;
  private volatile boolean sampled;

  private volatile boolean healthy = true; // serial
  private volatile boolean ejected; // serial
  private volatile long rampStart = NO_RAMP; // serial
  private volatile boolean member; // serial
  // Copy-on-write, indexed by AttachmentKey.index: read without a lock, replaced under this
  // object's lock when a key is first used here, so each value is made exactly once.
  private volatile Object[] attachments = NO_ATTACHMENTS;

  EndpointState(ServiceInstance instance, LongSupplier nanoTime, double decayNanos,
      LongAdder balancerInFlight, FailureListener failureListener, int failureThreshold,
      SerialExecutor serial) {
    this.instance = instance;
    this.id = instance.id();
    this.nanoTime = nanoTime;
    this.decayNanos = decayNanos;
    this.balancerInFlight = balancerInFlight;
    this.failureListener = failureListener;
    this.failureThreshold = failureThreshold;
    this.serial = serial;
    this.ewmaStamp = nanoTime.getAsLong();
    this.published.observe(instance, 0);
  }

  @Override
  public ServiceInstance instance() {
    return instance;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public int weight() {
    return instance.weight();
  }

  @Override
  public int inFlight() {
    return inFlight.get();
  }

  @Override
  public double peakEwmaNanos() {
    return ewmaAt(nanoTime.getAsLong());
  }

  @Override
  public double latencyEwmaNanos() {
    return latencyEwma;
  }

  @Override
  public double peakEwmaNanos(long nowNanos) {
    return ewmaAt(nowNanos);
  }

  /**
   * The estimate at {@code now}: between samples it decays towards zero with the time constant, so
   * an endpoint that was slow once is tried again eventually instead of being starved forever.
   */
  double ewmaAt(long now) {
    double v = ewma;
    long elapsed = now - ewmaStamp;
    return elapsed <= 0 ? v : v * Math.exp(-elapsed / decayNanos);
  }

  @Override
  public int consecutiveFailures() {
    return consecutiveFailures.get();
  }

  @Override
  public int activeConnections() {
    return connections.get();
  }

  @Override
  public long requests() {
    return requests.sum();
  }

  @Override
  public long failures() {
    return failures.sum();
  }

  @Override
  public boolean healthy() {
    return healthy;
  }

  @Override
  public boolean ejected() {
    return ejected;
  }

  @Override
  public boolean member() {
    return member;
  }

  @Override
  public <T> T attachment(AttachmentKey<T> key) {
    Object value = slot(attachments, key.index);
    return value != null ? key.cast(value) : attach(key);
  }

  /** The slow path of {@link #attachment}: the first use of {@code key} on this endpoint. */
  private synchronized <T> T attach(AttachmentKey<T> key) {
    Object[] a = attachments;
    Object existing = slot(a, key.index);
    if (existing != null) {
      return key.cast(existing); // made by another thread while this one waited for the lock
    }
    T value = key.init(this);
    Object[] next = Arrays.copyOf(a, Math.max(a.length, key.index + 1));
    next[key.index] = value;
    attachments = next;
    return value;
  }

  private static @Nullable Object slot(Object[] attachments, int index) {
    return index < attachments.length ? attachments[index] : null;
  }

  /** Counts a picked request in flight. */
  void acquire() {
    inFlight.incrementAndGet();
    balancerInFlight.increment();
  }

  @Override
  public void onSuccess(long latencyNanos) {
    if (!end()) {
      return;
    }
    requests.increment();
    intervalRequests.incrementAndGet();
    if (consecutiveFailures.get() != 0) {
      consecutiveFailures.set(0);
    }
    observe(Math.max(0, latencyNanos));
  }

  @Override
  public void onFailure(FailureKind kind) {
    if (!end()) {
      return;
    }
    requests.increment();
    failures.increment();
    intervalRequests.incrementAndGet();
    intervalFailures.incrementAndGet();
    int n = consecutiveFailures.incrementAndGet();
    if (failureThreshold > 0 && n % failureThreshold == 0) {
      failureListener.onConsecutiveFailures(this);
    }
  }

  @Override
  public void release() {
    end();
  }

  /**
   * Ends one request: decrements in-flight unless it is already zero. A report with nothing in
   * flight is a stray double report and is ignored entirely (returns false).
   */
  private boolean end() {
    for (;;) {
      int v = inFlight.get();
      if (v <= 0) {
        return false;
      }
      if (inFlight.compareAndSet(v, v - 1)) {
        balancerInFlight.decrement();
        return true;
      }
    }
  }

  /**
   * Peak EWMA (Finagle's PeakEwma): a sample above the estimate replaces it at once (react to a
   * slowdown immediately); a faster one is blended in with weight 1 − e^(−Δt/τ), so the estimate
   * follows improvements at a rate set by the time since the last sample, not the sample count.
   */
  private void observe(long rtt) {
    long now = nanoTime.getAsLong();
    long elapsed = now - ewmaStamp;
    double w = elapsed <= 0 ? 1.0 : Math.exp(-elapsed / decayNanos);
    double current = ewma;
    // current × w is the estimate decayed to now (what ewmaAt returns).
    if (!sampled) {
      ewma = rtt;
      latencyEwma = rtt;
      sampled = true;
    } else {
      ewma = rtt > current * w ? rtt : current * w + rtt * (1 - w);
      latencyEwma = latencyEwma * w + rtt * (1 - w);
    }
    ewmaStamp = now;
  }

  boolean sampled() {
    return sampled;
  }

  /** Cold start: a new endpoint starts at its peers' mean estimate until its own first sample. */
  void seedEwma(double value, long now) {
    serial.assertInContext();
    ewma = value;
    ewmaStamp = now;
  }

  void instance(ServiceInstance updated) {
    serial.assertInContext();
    instance = updated;
    published.observe(updated, connections.get());
  }

  /** The connection count the instance publishes, with what fleet mode keeps beside it. */
  PublishedCount published() {
    return published;
  }

  @Override
  public int publishedConnections() {
    return published.value();
  }

  void healthy(boolean value) {
    serial.assertInContext();
    healthy = value;
  }

  void ejected(boolean value) {
    serial.assertInContext();
    ejected = value;
    if (!value) {
      consecutiveFailures.set(0);
    }
  }

  void member(boolean value) {
    serial.assertInContext();
    member = value;
  }

  void startRamp(long now) {
    serial.assertInContext();
    rampStart = now;
  }

  long rampStart() {
    return rampStart;
  }

  boolean ramping() {
    return rampStart != NO_RAMP;
  }

  void endRamp() {
    serial.assertInContext();
    rampStart = NO_RAMP;
  }

  long drainIntervalRequests() {
    return intervalRequests.getAndSet(0);
  }

  long drainIntervalFailures() {
    return intervalFailures.getAndSet(0);
  }

  void connectionOpened() {
    connections.incrementAndGet();
  }

  void connectionClosed() {
    connections.decrementAndGet();
  }

  @Override
  public String toString() {
    return "Endpoint{" + id + " " + instance.address() + " w=" + instance.weight() + " inFlight="
        + inFlight.get() + " conns=" + connections.get() + (healthy ? "" : " DOWN")
        + (ejected ? " EJECTED" : "") + "}";
  }
}
