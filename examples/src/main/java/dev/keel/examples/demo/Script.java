package dev.keel.examples.demo;

import java.time.Duration;
import java.util.List;

/**
 * The demo's timeline, scaled to its length: one backend is killed at 25 %, comes back at 50 %,
 * a fourth joins at 70 %. Errors are allowed only in the kill window, from the moment the kill
 * began until {@link #KILL_WINDOW} later; any other error fails the run.
 */
final class Script {
  /** What is running; every request is counted in the phase in which it was sent. */
  enum Phase {
    /** the three first backends */
    STEADY,
    /** the victim is down */
    DOWN,
    /** the victim is back, ramping up */
    BACK,
    /** a fourth backend has joined */
    FOUR
  }

  /** One scripted event: at {@code at}, enter {@code phase}. */
  record Event(Duration at, Phase phase) {}

  static final Duration KILL_WINDOW = Duration.ofSeconds(5);
  /** The timeline's scale when the demo runs until Ctrl-C. */
  static final Duration UNBOUNDED_SCALE = Duration.ofSeconds(60);

  private final Duration length;
  private final List<Event> events;

  Script(Duration length) {
    this.length = length;
    this.events = List.of(
        new Event(percent(25), Phase.DOWN),
        new Event(percent(50), Phase.BACK),
        new Event(percent(70), Phase.FOUR));
  }

  private Duration percent(int p) {
    return Duration.ofMillis(length.toMillis() * p / 100);
  }

  List<Event> events() {
    return events;
  }

  /** True when an error at {@code atMillis} falls in the kill window of a kill that began at {@code killedAtMillis}. */
  static boolean inKillWindow(long atMillis, long killedAtMillis) {
    return killedAtMillis >= 0 && atMillis >= killedAtMillis && atMillis < killedAtMillis + KILL_WINDOW.toMillis();
  }
}
