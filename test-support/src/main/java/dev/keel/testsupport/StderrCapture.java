package dev.keel.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Takes everything written to {@code System.err} (where slf4j-simple logs) while open, so a
 * test can assert on every line the code under test logged. The lines are kept, not echoed: the
 * test turns logging up to debug, and a failing assertion shows the offending lines.
 */
public final class StderrCapture implements AutoCloseable {
  private final PrintStream original = System.err;
  private final ByteArrayOutputStream copy = new ByteArrayOutputStream();

  private StderrCapture() {
    System.setErr(new PrintStream(copy, true, StandardCharsets.UTF_8));
  }

  public static StderrCapture start() {
    return new StderrCapture();
  }

  /** The lines written so far that contain {@code text}. */
  public List<String> linesContaining(String text) {
    return Arrays.stream(all().split("\\R")).filter(l -> l.contains(text)).collect(Collectors.toList());
  }

  /** Everything written so far. */
  public String all() {
    System.err.flush();
    synchronized (copy) {
      return copy.toString(StandardCharsets.UTF_8);
    }
  }

  @Override
  public void close() {
    System.err.flush();
    System.setErr(original);
  }
}
