package dev.keel.examples.bomconsumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.keel.registry.Registries;
import dev.keel.registry.RegistryClient;
import dev.keel.registry.RegistryException;
import dev.keel.registry.RegistryProvider;
import io.netty.util.Version;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The class path an application gets from keel-bom plus Netty's BOM, with the ZooKeeper, etcd and
 * Nacos adapters: one Netty, and the adapters load and reach the network through it.
 */
class ConvergedClassPathTest {
  @Test
  void everyNettyJarIsOfOneVersion() throws Exception {
    // The jars the classes actually load from. (Version.identify() would also list the Netty that
    // nacos-client shades under its own package names, which cannot clash.)
    String[] classes = {"io.netty.util.Version", "io.netty.buffer.ByteBuf", "io.netty.channel.Channel",
        "io.netty.handler.ssl.SslHandler", "io.netty.handler.codec.http2.Http2FrameCodec",
        "io.netty.handler.codec.http.HttpObjectDecoder", "io.netty.handler.proxy.ProxyHandler",
        "io.netty.resolver.dns.DnsNameResolver", "io.netty.channel.unix.Socket"};
    Map<String, String> versions = new TreeMap<>();
    for (String name : classes) {
      String jar = Class.forName(name).getProtectionDomain().getCodeSource().getLocation().getPath();
      Matcher m = Pattern.compile("/(netty-[a-z0-9-]+?)-(\\d+\\.\\d+\\.\\d+\\.Final)[^/]*\\.jar$").matcher(jar);
      assertTrue(m.find(), name + " loads from " + jar);
      versions.put(m.group(1), m.group(2));
    }
    assertEquals(Set.of(Version.identify().get("netty-common").artifactVersion()), Set.copyOf(versions.values()),
        "Netty jars of several versions: " + versions);
  }

  @Test
  void theZooKeeperEtcdAndNacosAdaptersAreFound() {
    Set<String> schemes = ServiceLoader.load(RegistryProvider.class).stream()
        .map(p -> p.get().scheme()).collect(Collectors.toSet());
    assertTrue(schemes.containsAll(Set.of("zookeeper", "etcd", "nacos")), "schemes found: " + schemes);
  }

  @Test
  void theEtcdAndZooKeeperClientsRunOnThisClassPath() {
    // Nothing listens on port 1: each client must load, build its channel and fail with Keel's error.
    for (String uri : new String[] {"etcd://127.0.0.1:1?resolve-timeout=1s", "zookeeper://127.0.0.1:1?resolve-timeout=1s"}) {
      try (RegistryClient registry = Registries.open(uri)) {
        assertThrows(RegistryException.class, () -> registry.resolve("orders"), uri);
      }
    }
  }
}
