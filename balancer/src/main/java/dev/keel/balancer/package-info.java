/**
 * Keel's balancing core, shared by the in-app client and the proxy; it knows no transport.
 *
 * <p>Start with {@link dev.keel.balancer.Balancer#builder}: a balancer watches one service,
 * {@link dev.keel.balancer.Balancer#pick(CharSequence) picks} an {@link dev.keel.balancer.Endpoint}
 * per request, and learns from the outcome the caller reports. Long-lived connections are spread by
 * a {@link dev.keel.balancer.ConnectionBalancer}. Policies plug in through {@link
 * dev.keel.balancer.BalancingPolicy} and {@link java.util.ServiceLoader}.
 *
 * <p>This API is unstable until Keel 1.0.
 */
@org.jspecify.annotations.NullMarked
package dev.keel.balancer;
