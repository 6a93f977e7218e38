package dev.keel.proxy.cli;

/** Process signals: SIGTERM and SIGINT run a graceful stop through a shutdown hook. */
final class Signals {
  private Signals() {}

  static void onTerminate(Runnable stop) {
    Runtime.getRuntime().addShutdownHook(new Thread(stop, "keel-shutdown"));
  }
}
