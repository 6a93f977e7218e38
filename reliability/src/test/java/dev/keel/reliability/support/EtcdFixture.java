package dev.keel.reliability.support;

import dev.keel.registry.etcd.EtcdServerExtension;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;

/**
 * A real etcd ({@code EtcdServerExtension} of registry-etcd's tests: Debian's {@code etcd-server}
 * on free loopback ports), Keel's default prefix {@code /keel}; raw access through jetcd and
 * {@code etcdctl}.
 */
public final class EtcdFixture extends OnceClosedFixture {
  private final EtcdServerExtension server = new EtcdServerExtension();
  private Client raw;

  private EtcdFixture() {}

  public static EtcdFixture open() throws Exception {
    EtcdFixture f = new EtcdFixture();
    f.server.beforeAll(null); // the extension needs no context: free ports, data directory, start
    return f;
  }

  public EtcdServerExtension server() {
    return server;
  }

  @Override
  public String name() {
    return "etcd";
  }

  @Override
  public String uri(String extraParams) {
    return uriVia(server.clientPort(), extraParams);
  }

  @Override
  public String uriVia(int port, String extraParams) {
    return withParams("etcd://127.0.0.1:" + port, extraParams);
  }

  @Override
  public int port() {
    return server.clientPort();
  }

  @Override
  public void stop() throws Exception {
    server.stop();
  }

  @Override
  public void start() throws Exception {
    server.start();
  }

  /** {@code etcdctl} against this server; its standard output. */
  public String etcdctl(String... args) throws Exception {
    return server.etcdctl(args);
  }

  /** The key of an instance, as Keel lays it out. */
  public static String key(String service, String id) {
    return prefix(service) + id;
  }

  private static String prefix(String service) {
    return "/keel/services/" + service + "/";
  }

  /** etcd's current revision. */
  public long revision() throws Exception {
    return raw().getKVClient().get(bytes("/keel")).get(10, TimeUnit.SECONDS).getHeader().getRevision();
  }

  /** The lease (as etcdctl prints it, hex) the key of an instance is attached to. */
  public String leaseOf(String service, String id) throws Exception {
    List<KeyValue> kvs = raw().getKVClient().get(bytes(key(service, id))).get(10, TimeUnit.SECONDS).getKvs();
    if (kvs.isEmpty()) {
      throw new IllegalStateException("no key " + key(service, id));
    }
    return Long.toHexString(kvs.get(0).getLease());
  }

  @Override
  public Set<String> instanceIds(String service) throws Exception {
    Set<String> ids = new TreeSet<>();
    for (KeyValue kv : list(service)) {
      ids.add(kv.getKey().toString(StandardCharsets.UTF_8).substring(prefix(service).length()));
    }
    return ids;
  }

  /** Deletes every instance key; the restorer puts each back with its value and under its lease. */
  @Override
  public Runnable deleteInstances(String service) throws Exception {
    List<KeyValue> kvs = list(service);
    raw().getKVClient().delete(bytes(prefix(service)), DeleteOption.builder().isPrefix(true).build())
        .get(10, TimeUnit.SECONDS);
    return () -> {
      for (KeyValue kv : kvs) {
        try {
          raw().getKVClient().put(kv.getKey(), kv.getValue(), PutOption.builder().withLeaseId(kv.getLease()).build())
              .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
          throw new IllegalStateException("putting back " + kv.getKey(), e);
        }
      }
    };
  }

  @Override
  public void writeGarbage(String service, String id) throws Exception {
    etcdctl("put", key(service, id), "{not json");
  }

  private List<KeyValue> list(String service) throws Exception {
    return raw().getKVClient().get(bytes(prefix(service)), GetOption.builder().isPrefix(true).build())
        .get(10, TimeUnit.SECONDS).getKvs();
  }

  private static ByteSequence bytes(String s) {
    return ByteSequence.from(s, StandardCharsets.UTF_8);
  }

  private synchronized Client raw() {
    if (raw == null) {
      raw = Client.builder().endpoints(server.endpoint()).build();
    }
    return raw;
  }

  @Override
  protected void closeOnce() {
    if (raw != null) {
      raw.close();
    }
    try {
      server.afterAll(null);
    } catch (Exception e) {
      throw new IllegalStateException("stopping etcd", e);
    }
  }
}
