package dev.keel.grpc.internal;

import dev.keel.grpc.KeelGrpc;
import io.grpc.LoadBalancer;
import io.grpc.LoadBalancerProvider;
import io.grpc.NameResolver.ConfigOrError;
import io.grpc.Status;
import java.util.Map;

/**
 * The {@value KeelGrpc#POLICY} load-balancing policy (per RPC), found by grpc-java through {@code
 * META-INF/services/io.grpc.LoadBalancerProvider}; {@link Connection} is {@value
 * KeelGrpc#CONNECTION_POLICY}. Both parse their config with {@link KeelLbConfig}.
 */
public class KeelLoadBalancerProvider extends LoadBalancerProvider {
  private final String name;

  public KeelLoadBalancerProvider() {
    this(KeelGrpc.POLICY);
  }

  KeelLoadBalancerProvider(String name) {
    this.name = name;
  }

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
    return name;
  }

  @Override
  public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
    return new KeelLoadBalancer(helper);
  }

  /** A config, or INVALID_ARGUMENT naming the policy, the key and the value. */
  @Override
  public ConfigOrError parseLoadBalancingPolicyConfig(Map<String, ?> rawConfig) {
    try {
      return ConfigOrError.fromConfig(KeelLbConfig.parse(rawConfig));
    } catch (IllegalArgumentException e) {
      return ConfigOrError.fromError(Status.INVALID_ARGUMENT.withDescription(
          "load-balancing config of '" + name + "': " + e.getMessage()));
    }
  }

  /**
   * {@value KeelGrpc#CONNECTION_POLICY}: one connection per channel, kept even across the process's
   * channels to a service. Same config keys.
   */
  public static final class Connection extends KeelLoadBalancerProvider {
    public Connection() {
      super(KeelGrpc.CONNECTION_POLICY);
    }

    @Override
    public LoadBalancer newLoadBalancer(LoadBalancer.Helper helper) {
      return new KeelConnectionLoadBalancer(helper, ConnectionGroups.INSTANCE);
    }
  }
}
