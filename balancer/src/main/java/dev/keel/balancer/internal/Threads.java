package dev.keel.balancer.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Daemon threads for the balancer's default executors. */
public final class Threads {
  /** Shared by every balancer whose builder got no executor; tasks never block. */
  public static final ExecutorService SHARED = Executors.newCachedThreadPool(daemon("keel-balancer"));

  private Threads() {}

  public static ThreadFactory daemon(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
