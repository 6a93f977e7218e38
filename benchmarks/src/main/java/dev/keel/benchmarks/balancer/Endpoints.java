package dev.keel.benchmarks.balancer;

import dev.keel.registry.ServiceInstance;
import java.util.ArrayList;
import java.util.List;

/** The endpoint set both sides balance over: n instances, weights cycling 100, 150, 200. */
final class Endpoints {
  static final String SERVICE = "org.example.Greeter";
  static final int KEYS = 1024; // a power of two: the key index is masked, not divided

  private Endpoints() {}

  static int weight(int i) {
    return 100 + (i % 3) * 50;
  }

  static String host(int i) {
    return "10.0." + (i / 250) + "." + (i % 250 + 1);
  }

  static List<ServiceInstance> instances(int n) {
    List<ServiceInstance> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(ServiceInstance.builder().service(SERVICE).id(String.format("i%04d", i))
          .host(host(i)).port(20880).weight(weight(i)).build());
    }
    return out;
  }

  /** Affinity keys (client IPs) for the hashing policies; the others ignore them. */
  static String[] keys() {
    String[] keys = new String[KEYS];
    for (int k = 0; k < KEYS; k++) {
      keys[k] = "192.168." + (k / 256) + "." + (k % 256);
    }
    return keys;
  }
}
