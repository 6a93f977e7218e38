package dev.keel.balancer;

/**
 * Slow start (Envoy's formula): a ramping endpoint's effective weight is
 * weight × max(minWeight, (t / window)^(1 / aggression)), t being the time since the ramp began
 * (first sighting by this balancer, or recovery). Aggression 1 is linear; above 1 the weight rises
 * faster early on. Endpoints present at start-up do not ramp.
 */
final class SlowStart {
  private SlowStart() {}

  /** The effective weight of {@code e} at {@code now}, at least 1; ends the ramp once complete. */
  static int weight(EndpointState e, long now, BalancerConfig config) {
    int w = e.weight();
    if (!e.ramping()) {
      return w;
    }
    long window = config.slowStartWindow().toNanos();
    long t = now - e.rampStart();
    if (window <= 0 || t >= window) {
      e.endRamp();
      return w;
    }
    double f = Math.pow(Math.max(0, t) / (double) window, 1.0 / config.slowStartAggression());
    f = Math.max(config.slowStartMinWeight(), f);
    return (int) Math.max(1, Math.round(w * f));
  }
}
