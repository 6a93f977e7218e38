package dev.keel.grpc.internal;

import dev.keel.grpc.KeelGrpc;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.NameResolver.ConfigOrError;
import io.grpc.Status;
import java.util.Map;

/**
 * The {@value KeelGrpc#POLICY} load-balancing policy (per RPC), found by grpc-java through {@code
 * META-INF/services/io.grpc.LoadBalancerProvider}. Its config is parsed by {@link KeelLbConfig}.
 */
public final class KeelLoadBalancerProvider extends LoadBalancerProvider {
  @Override
  public boolean isAvailable() {
    return true;
  }

  @Override
  public int getPriority() {
    return 5;
  }

  @Override
  public String getPolicyName() {
    return KeelGrpc.POLICY;
  }

  @Override
  public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
    return new KeelLoadBalancer(helper);
  }

  @Override
  public ConfigOrError parseLoadBalancingPolicyConfig(Map<String, ?> rawConfig) {
    return parse(getPolicyName(), rawConfig);
  }

  /** A config, or INVALID_ARGUMENT naming the policy, the key and the value. */
  static ConfigOrError parse(String policy, Map<String, ?> rawConfig) {
    try {
      return ConfigOrError.fromConfig(KeelLbConfig.parse(rawConfig));
    } catch (IllegalArgumentException e) {
      return ConfigOrError.fromError(Status.INVALID_ARGUMENT.withDescription(
          "load-balancing config of '" + policy + "': " + e.getMessage()));
    }
  }
}
