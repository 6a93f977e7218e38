package dev.keel.spring;

import dev.keel.registry.ServiceInstance;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import org.springframework.core.env.Environment;

/** The instance this application registers as: which address and port, from settings and the environment. */
final class RegistrationAddress {
  private RegistrationAddress() {}

  /** Fails on settings that could never register (weight, id, host, port), naming the property. */
  static void check(KeelProperties.Registration settings, String service) {
    Integer port = settings.getPort();
    build(settings, service, settings.getHost() != null ? settings.getHost() : "127.0.0.1", port != null ? port : 1);
  }

  /**
   * The instance to register now, or null when there is no port to register: no web server runs
   * and {@code keel.registration.port} is unset (an error when registration was asked for).
   */
  static @Nullable ServiceInstance instance(KeelProperties.Registration settings, String service, Environment env) {
    Integer port = settings.getPort();
    if (port == null) {
      port = env.getProperty("local.server.port", Integer.class); // set by Spring Boot once the web server listens
    }
    if (port == null) {
      if (Boolean.TRUE.equals(settings.getEnabled())) {
        throw new IllegalStateException("keel.registration.port: not set, and no web server runs "
            + "(expected: the port other services call; or keel.registration.enabled unset or false)");
      }
      return null;
    }
    String host = settings.getHost();
    if (host == null) {
      host = serverAddress(env);
    }
    if (host == null) {
      host = localAddress();
    }
    return build(settings, service, host, port);
  }

  private static ServiceInstance build(KeelProperties.Registration settings, String service, String host, int port) {
    try {
      ServiceInstance.Builder b = ServiceInstance.builder().service(service).host(host).port(port)
          .weight(settings.getWeight()).metadata(settings.getMetadata());
      String id = settings.getInstanceId();
      if (id != null) {
        b.id(id);
      }
      return b.build();
    } catch (IllegalArgumentException e) {
      // ServiceInstance names its field and value ("weight: 20000 (expected: 0..10000)").
      String message = String.valueOf(e.getMessage());
      throw new IllegalStateException("keel.registration."
          + (message.startsWith("id:") ? "instance-id" + message.substring(2) : message));
    }
  }

  /** {@code server.address} when it names one address (not the wildcard). */
  private static @Nullable String serverAddress(Environment env) {
    String address = env.getProperty("server.address");
    if (address == null || address.isBlank()) {
      return null;
    }
    try {
      return InetAddress.getByName(address).isAnyLocalAddress() ? null : address;
    } catch (UnknownHostException e) {
      return address;
    }
  }

  /**
   * The first non-loopback, non-link-local IPv4 address of an interface that is up (site-local
   * ones first, by interface index), else the loopback address.
   */
  static String localAddress() {
    try {
      List<InetAddress> candidates = NetworkInterface.networkInterfaces()
          .filter(RegistrationAddress::usable)
          .sorted(Comparator.comparingInt(NetworkInterface::getIndex))
          .flatMap(NetworkInterface::inetAddresses)
          .filter(a -> a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
          .collect(Collectors.toList());
      return candidates.stream().filter(InetAddress::isSiteLocalAddress).findFirst()
          .or(() -> candidates.stream().findFirst())
          .map(InetAddress::getHostAddress)
          .orElse(InetAddress.getLoopbackAddress().getHostAddress());
    } catch (SocketException e) {
      return InetAddress.getLoopbackAddress().getHostAddress();
    }
  }

  private static boolean usable(NetworkInterface n) {
    try {
      return n.isUp() && !n.isLoopback() && !n.isVirtual();
    } catch (SocketException e) {
      return false;
    }
  }
}
