package dev.keel.grpc.internal;

import dev.keel.grpc.KeelGrpc;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.NameResolver.ConfigOrError;
import java.util.Map;

/**
 * The {@value KeelGrpc#CONNECTION_POLICY} load-balancing policy (one connection per channel, kept
 * even across the process's channels), found through {@code META-INF/services}. Same config keys
 * as {@value KeelGrpc#POLICY}.
 */
public final class KeelConnectionLoadBalancerProvider extends LoadBalancerProvider {
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
    return KeelGrpc.CONNECTION_POLICY;
  }

  @Override
  public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
    return new KeelConnectionLoadBalancer(helper, ConnectionGroups.INSTANCE);
  }

  @Override
  public ConfigOrError parseLoadBalancingPolicyConfig(Map<String, ?> rawConfig) {
    return KeelLoadBalancerProvider.parse(getPolicyName(), rawConfig);
  }
}
