package dev.keel.examples.services;

import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Ends this service process when the launcher that started it is gone, so that a launcher killed
 * outright (or a test run cut short) leaves no service running. The launcher passes its pid as
 * {@code -Dkeel.example.parent}; without it, nothing is watched.
 */
public final class ParentWatch {
  private ParentWatch() {}

  public static void start() {
    String pid = System.getProperty("keel.example.parent");
    if (pid == null) {
      return;
    }
    Optional<ProcessHandle> parent = ProcessHandle.of(Long.parseLong(pid));
    Thread t = new Thread(() -> {
      while (parent.map(ProcessHandle::isAlive).orElse(false)) {
        try {
          TimeUnit.SECONDS.sleep(1); // polling a pid: there is nothing to wait on
        } catch (InterruptedException e) {
          return;
        }
      }
      System.exit(0); // graceful: shutdown hooks deregister the service
    }, "parent-watch");
    t.setDaemon(true);
    t.start();
  }
}
