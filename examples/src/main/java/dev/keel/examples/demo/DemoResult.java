package dev.keel.examples.demo;

import java.util.List;
import java.util.Map;

/**
 * What a demo run did.
 *
 * @param requests requests answered through the http listener
 * @param byPhase answers per backend, by the phase in which each request was sent
 * @param longRequests requests answered over the long-lived connections
 * @param longByPhase the same per phase, for the long-lived connections
 * @param reconnects long-lived connections the proxy closed between requests (sheds, the kill)
 * @param errorsInKillWindow errors in the kill window (allowed)
 * @param errorsOutsideKillWindow other errors, the first few of them (each fails the run)
 * @param errorCountOutsideKillWindow how many other errors there were
 * @param connectionsAtEnd active connections per backend of the proxy's tcp listener at the end
 * @param victim the backend that was killed and came back
 * @param joiner the backend that joined last
 * @param completed false when the run was stopped before its end (Ctrl-C) or failed to start
 */
record DemoResult(
    long requests,
    Map<Script.Phase, Map<String, Long>> byPhase,
    long longRequests,
    Map<Script.Phase, Map<String, Long>> longByPhase,
    long reconnects,
    long errorsInKillWindow,
    List<String> errorsOutsideKillWindow,
    long errorCountOutsideKillWindow,
    Map<String, Long> connectionsAtEnd,
    String victim,
    String joiner,
    boolean completed) {

  /** Ran to its end, answered requests, and had no error outside the kill window. */
  boolean clean() {
    return completed && requests > 0 && errorCountOutsideKillWindow == 0;
  }

  /** The one-line verdict the demo ends with. */
  String verdict() {
    if (!completed) {
      return "keel demo: STOPPED before the end of the script";
    }
    if (requests == 0) {
      return "keel demo: FAILED: no request was answered";
    }
    if (errorCountOutsideKillWindow > 0) {
      return "keel demo: FAILED: " + errorCountOutsideKillWindow + " errors outside the kill window, first: "
          + errorsOutsideKillWindow.get(0);
    }
    return "keel demo: OK: " + (requests + longRequests) + " requests answered, no error outside the kill window ("
        + errorsInKillWindow + " inside it)";
  }
}
