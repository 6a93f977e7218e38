/**
 * grpc-java channels that resolve through Keel's registries and balance with Keel's balancer.
 *
 * <ul>
 *   <li>Targets {@code zookeeper://}, {@code etcd://}, {@code etcds://}, {@code nacos://}, {@code
 *       static://} and {@code memory://} resolve through {@link dev.keel.registry.Registries#open}
 *       once this jar is on the class path: the last path segment is the service, the rest is the
 *       registry URI. {@link dev.keel.grpc.KeelGrpc#channelBuilder} uses a {@link
 *       dev.keel.registry.RegistryClient} the application already has.
 *   <li>Load-balancing policies {@code keel} (per RPC, with Keel's {@link
 *       dev.keel.balancer.Balancer}) and {@code keel_connection} (one connection per channel, kept
 *       even across channels with a {@link dev.keel.balancer.ConnectionBalancer}, moved
 *       make-before-break).
 *   <li>{@link dev.keel.grpc.ServerRegistration}: registers a server's port once it listens, and on
 *       stop deregisters before the server stops taking calls.
 * </ul>
 *
 * <p>This API is unstable until Keel 1.0.
 */
@org.jspecify.annotations.NullMarked
package dev.keel.grpc;
