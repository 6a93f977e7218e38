package dev.keel.balancer.internal;

import dev.keel.balancer.BalancingPolicy;
import dev.keel.balancer.Candidates;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.Picker;
import dev.keel.balancer.Policies;
import org.jspecify.annotations.Nullable;

/** {@code random}: weighted random by the alias method; uniform when all weights are equal. */
public final class RandomPolicy implements BalancingPolicy {
  @Override
  public String name() {
    return Policies.RANDOM;
  }

  @Override
  public Picker newPicker(Candidates c) {
    Endpoint[] endpoints = c.endpoints().toArray(new Endpoint[0]);
    AtomicRandom random = new AtomicRandom(c.seed());
    if (c.equalWeights()) {
      return new Uniform(endpoints, random);
    }
    return new Weighted(endpoints, new AliasTable(c.weights()), random);
  }

  private record Uniform(Endpoint[] endpoints, AtomicRandom random) implements Picker {
    @Override
    public @Nullable Endpoint pick(@Nullable CharSequence key) {
      return endpoints[random.nextInt(endpoints.length)];
    }
  }

  private record Weighted(Endpoint[] endpoints, AliasTable table, AtomicRandom random) implements Picker {
    @Override
    public @Nullable Endpoint pick(@Nullable CharSequence key) {
      return endpoints[table.sample(random.nextLong())];
    }
  }
}
