package dev.keel.grpc;

import static java.util.Objects.requireNonNull;

import dev.keel.registry.RegistryClient;
import dev.keel.registry.ServiceInstance;
import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannelBuilder;
import io.grpc.NameResolver;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Entry points and keys of Keel's grpc-java integration.
 *
 * <h2>Channels by registry URI</h2>
 *
 * With this jar (and the registry's adapter) on the class path, {@code
 * Grpc.newChannelBuilder("zookeeper://zk:2181/services/orders", creds)} resolves {@code orders}
 * through Keel; so do {@code etcd://}, {@code etcds://}, {@code nacos://}, {@code static://} and
 * {@code memory://} targets. The last path segment names the service; the rest is the registry URI.
 * Channels whose targets name the same registry URI share one registry client (one session), which
 * the last of them to shut down closes.
 *
 * <h2>Channels over a registry client you have</h2>
 *
 * {@link #channelBuilder(RegistryClient, String, ChannelCredentials)}: the channel watches through
 * {@code registry}, which it never closes; close it yourself after the channels that use it.
 *
 * <h2>Policies</h2>
 *
 * {@value #POLICY} balances each RPC with Keel's balancer over a connection to every instance;
 * {@value #CONNECTION_POLICY} keeps one connection per channel, placed so that all channels of the
 * process to the same service stay even, and moved make-before-break. Select one with {@link
 * ManagedChannelBuilder#defaultLoadBalancingPolicy(String)} or a service config ({@link
 * #serviceConfig}); grpc/README.md lists the configuration keys.
 */
public final class KeelGrpc {
  /** The per-RPC load-balancing policy. */
  public static final String POLICY = "keel";
  /** The one-connection load-balancing policy. */
  public static final String CONNECTION_POLICY = "keel_connection";
  /** The target scheme of {@link #channelBuilder}; such a target needs {@link #REGISTRY}. */
  public static final String CLIENT_SCHEME = "keel";

  /**
   * On every {@link io.grpc.EquivalentAddressGroup} a Keel resolver produces (and on the
   * subchannels made from them): the registry instance, with its id, weight and metadata ({@code
   * zone}, {@code version}, ...), for routing decisions of any load-balancing policy.
   */
  public static final Attributes.Key<ServiceInstance> INSTANCE = Attributes.Key.create("dev.keel.grpc.instance");

  /**
   * Per call: the affinity key for {@code ring-hash} (a user or session id), as {@code
   * stub.withOption(KeelGrpc.HASH_KEY, userId)}. Without it, the {@code hashHeader} the policy
   * config names is read; without either, the call hashes as if its key were random.
   */
  public static final CallOptions.Key<String> HASH_KEY = CallOptions.Key.create("dev.keel.grpc.hash-key");

  /** The registry client of a {@value #CLIENT_SCHEME} target; set by {@link #channelBuilder}. */
  public static final NameResolver.Args.Key<RegistryClient> REGISTRY = NameResolver.Args.Key.create("dev.keel.grpc.registry");

  private KeelGrpc() {}

  /**
   * A channel builder for {@code service} resolved through {@code registry}, which the channel
   * watches but never closes (the caller owns it and closes it after the channel). Balancing is
   * grpc-java's default ({@code pick_first}) unless you select a policy, e.g. {@code
   * .defaultLoadBalancingPolicy(KeelGrpc.POLICY)}.
   */
  public static ManagedChannelBuilder<?> channelBuilder(RegistryClient registry, String service,
      ChannelCredentials credentials) {
    requireNonNull(registry, "registry");
    requireNonNull(service, "service");
    requireNonNull(credentials, "credentials");
    if (service.isBlank()) {
      throw new IllegalArgumentException("service: '" + service + "' (expected: non-blank)");
    }
    String target = CLIENT_SCHEME + ":///" + URLEncoder.encode(service, StandardCharsets.UTF_8).replace("+", "%20");
    return Grpc.newChannelBuilder(target, credentials).setNameResolverArg(REGISTRY, registry);
  }

  /**
   * A service config selecting {@code policy} with {@code config}, for {@link
   * ManagedChannelBuilder#defaultServiceConfig(Map)}: {@code {"loadBalancingConfig": [{policy:
   * config}]}}. Numbers may be given as any {@link Number} (grpc-java accepts only doubles in a
   * service config; they are converted).
   */
  public static Map<String, ?> serviceConfig(String policy, Map<String, ?> config) {
    requireNonNull(policy, "policy");
    requireNonNull(config, "config");
    return Map.of("loadBalancingConfig", List.of(Map.of(policy, json(config))));
  }

  private static Object json(Object value) {
    if (value instanceof Number n && !(value instanceof Double)) {
      return n.doubleValue();
    }
    if (value instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put(String.valueOf(k), json(requireNonNull(v, "config value of " + k))));
      return out;
    }
    if (value instanceof List<?> l) {
      return l.stream().map(v -> json(requireNonNull(v, "config list element"))).toList();
    }
    return value;
  }
}
