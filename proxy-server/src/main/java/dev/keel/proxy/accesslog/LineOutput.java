package dev.keel.proxy.accesslog;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Where the writer thread puts batches of lines: a file appended to, reopened by name (after
 * logrotate moved it). Used by the writer thread only, after it is opened.
 */
interface LineOutput extends AutoCloseable {
  /** Appends {@code length} bytes of {@code bytes} in one write. */
  void write(byte[] bytes, int length) throws IOException;

  /** Closes the current file and opens the path again (creating it when it was moved away). */
  void reopen() throws IOException;

  @Override
  void close() throws IOException;

  /**
   * Opens {@code path} for appending, creating it when missing. A {@link FileOutputStream} rather
   * than a channel: an interrupt must not close the file under the writer.
   */
  static LineOutput append(Path path) throws IOException {
    return new LineOutput() {
      private FileOutputStream out = new FileOutputStream(path.toFile(), true);

      @Override
      public void write(byte[] bytes, int length) throws IOException {
        out.write(bytes, 0, length);
      }

      @Override
      public void reopen() throws IOException {
        FileOutputStream next = new FileOutputStream(path.toFile(), true);
        FileOutputStream old = out;
        out = next;
        old.close();
      }

      @Override
      public void close() throws IOException {
        out.close();
      }
    };
  }
}
