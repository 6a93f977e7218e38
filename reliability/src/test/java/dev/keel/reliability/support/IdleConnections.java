package dev.keel.reliability.support;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.IntFunction;

/**
 * Many HTTP/1.1 keep-alive client connections to one address, driven by one {@link Selector} on
 * the calling thread, so that 10,000 of them cost the test a few MB and no threads. A connection
 * is opened with one GET whose whole response is read; it then stays open and idle, watched for
 * reads: a close by the peer, or bytes nobody asked for, is noticed by {@link #pollIdle()}. Not
 * thread-safe: one thread drives it.
 */
public final class IdleConnections implements AutoCloseable {
  private static final byte[] REQUEST =
      "GET /idle HTTP/1.1\r\nHost: keel-idle\r\nUser-Agent: keel-reliability\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  private enum Phase { CONNECTING, SENDING, RECEIVING, IDLE, CLOSED_BY_PEER, FAILED }

  private final InetSocketAddress target;
  private final Selector selector;
  private final List<Conn> conns = new ArrayList<>();
  private final ByteBuffer readBuffer = ByteBuffer.allocate(64 * 1024);
  private int closedWhileIdle;
  private int unaskedBytes;

  private static final class Conn {
    final SocketChannel channel;
    SelectionKey key;
    Phase phase = Phase.CONNECTING;
    ByteBuffer out;
    ByteArrayOutputStream in;
    Round round;

    Conn(SocketChannel channel) {
      this.channel = channel;
    }
  }

  /** The outcome of one batch of exchanges: statuses, failures, time taken. */
  public static final class Round {
    public final int total;
    public int done;
    public final Map<Integer, Integer> statuses = new TreeMap<>();
    public int failed;
    public final List<String> firstFailures = new ArrayList<>();
    public long elapsedMillis;

    Round(int total) {
      this.total = total;
    }

    public int ok() {
      return statuses.getOrDefault(200, 0);
    }

    @Override
    public String toString() {
      return "total=" + total + " done=" + done + " statuses=" + statuses + " failed=" + failed
          + " firstFailures=" + firstFailures + " elapsed=" + elapsedMillis + "ms";
    }
  }

  public IdleConnections(InetSocketAddress target) throws IOException {
    this.target = target;
    this.selector = Selector.open();
  }

  /** Connections opened so far (some may have failed or been closed by the peer since). */
  public int size() {
    return conns.size();
  }

  /**
   * Opens {@code count} more connections and sends one GET on each, keeping at most
   * {@code maxInFlight} connecting or waiting for their response at a time (so that the proxy's
   * accept backlog never overflows); returns once every one has its response or has failed, or at
   * the timeout (the rest are then neither ok nor failed: {@code done < total}).
   */
  public Round open(int count, int maxInFlight, Duration timeout) throws IOException {
    return run(count, maxInFlight, timeout, i -> {
      SocketChannel ch = null;
      try {
        ch = SocketChannel.open();
        ch.configureBlocking(false);
        Conn c = new Conn(ch);
        c.key = ch.register(selector, SelectionKey.OP_CONNECT, c);
        if (ch.connect(target)) {
          c.key.interestOps(SelectionKey.OP_WRITE);
          c.phase = Phase.SENDING;
          c.out = ByteBuffer.wrap(REQUEST);
        }
        conns.add(c);
        return c;
      } catch (IOException e) {
        if (ch != null) {
          try {
            ch.close();
          } catch (IOException ignored) {
            // the connect already failed; that failure is the one reported
          }
        }
        throw new UncheckedIOException(e);
      }
    });
  }

  /** Sends one more GET on {@code count} idle connections spread evenly over all of them. */
  public Round getOnSample(int count, int maxInFlight, Duration timeout) throws IOException {
    List<Conn> idle = conns.stream().filter(c -> c.phase == Phase.IDLE).toList();
    int n = Math.min(count, idle.size());
    return run(n, maxInFlight, timeout, i -> {
      Conn c = idle.get((int) ((long) i * idle.size() / n));
      c.phase = Phase.SENDING;
      c.out = ByteBuffer.wrap(REQUEST);
      c.key.interestOps(SelectionKey.OP_WRITE);
      return c;
    });
  }

  /** Handles whatever the idle connections have received; returns how many the peer has closed so far. */
  public int pollIdle() throws IOException {
    selector.selectNow();
    handleSelected();
    return closedWhileIdle;
  }

  /** Bytes received on idle connections while no request was pending (should be none). */
  public int unaskedBytes() {
    return unaskedBytes;
  }

  private Round run(int count, int maxInFlight, Duration timeout, IntFunction<Conn> starter) throws IOException {
    Round round = new Round(count);
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    int started = 0;
    while (round.done < count && System.nanoTime() < deadline) {
      while (started < count && started - round.done < maxInFlight) {
        Conn c;
        try {
          c = starter.apply(started);
        } catch (UncheckedIOException e) {
          started++;
          fail(round, null, e.getCause());
          continue;
        }
        c.round = round;
        started++;
      }
      selector.select(100);
      handleSelected();
    }
    round.elapsedMillis = (System.nanoTime() - start) / 1_000_000;
    return round;
  }

  private void handleSelected() {
    for (SelectionKey key : selector.selectedKeys()) {
      Conn c = (Conn) key.attachment();
      try {
        if (!key.isValid()) {
          continue;
        }
        if (key.isConnectable() && c.channel.finishConnect()) {
          c.phase = Phase.SENDING;
          c.out = ByteBuffer.wrap(REQUEST);
          key.interestOps(SelectionKey.OP_WRITE);
        }
        if (key.isValid() && key.isWritable() && c.phase == Phase.SENDING) {
          c.channel.write(c.out);
          if (!c.out.hasRemaining()) {
            c.out = null;
            c.phase = Phase.RECEIVING;
            c.in = new ByteArrayOutputStream(256);
            key.interestOps(SelectionKey.OP_READ);
          }
        }
        if (key.isValid() && key.isReadable()) {
          read(c);
        }
      } catch (IOException e) {
        if (c.phase == Phase.IDLE) {
          closedWhileIdle++;
          c.phase = Phase.CLOSED_BY_PEER;
          closeQuietly(c);
        } else {
          fail(c.round, c, e);
        }
      }
    }
    selector.selectedKeys().clear();
  }

  private void read(Conn c) throws IOException {
    readBuffer.clear();
    int n = c.channel.read(readBuffer);
    if (c.phase == Phase.IDLE) {
      if (n < 0) {
        closedWhileIdle++;
        c.phase = Phase.CLOSED_BY_PEER;
        closeQuietly(c);
      } else {
        unaskedBytes += n;
      }
      return;
    }
    if (n < 0) {
      throw new IOException("closed by the peer before the whole response (" + c.in.size() + " bytes)");
    }
    c.in.write(readBuffer.array(), 0, n);
    int status = completeResponse(c.in.toByteArray());
    if (status > 0) {
      c.in = null;
      c.phase = Phase.IDLE;
      c.round.statuses.merge(status, 1, Integer::sum);
      c.round.done++;
    }
  }

  /** The status of a complete response in {@code b}, 0 while incomplete; Content-Length or chunked framing. */
  static int completeResponse(byte[] b) throws IOException {
    String text = new String(b, StandardCharsets.ISO_8859_1);
    int headEnd = text.indexOf("\r\n\r\n");
    if (headEnd < 0) {
      return 0;
    }
    String head = text.substring(0, headEnd).toLowerCase(Locale.ROOT);
    String[] statusLine = head.substring(0, head.indexOf("\r\n") < 0 ? head.length() : head.indexOf("\r\n")).split(" ");
    if (statusLine.length < 2 || !statusLine[0].startsWith("http/1.")) {
      throw new IOException("not an HTTP/1.x response: " + text.substring(0, Math.min(80, text.length())));
    }
    int status = Integer.parseInt(statusLine[1]);
    int bodyLength = b.length - headEnd - 4;
    for (String line : head.split("\r\n")) {
      if (line.startsWith("content-length:")) {
        return bodyLength >= Integer.parseInt(line.substring(15).trim()) ? status : 0;
      }
      if (line.startsWith("transfer-encoding:") && line.contains("chunked")) {
        return text.endsWith("\r\n0\r\n\r\n") ? status : 0;
      }
    }
    throw new IOException("response without Content-Length or chunked framing: " + head.replace("\r\n", " | "));
  }

  private void fail(Round round, Conn c, Throwable e) {
    round.failed++;
    round.done++;
    if (round.firstFailures.size() < 5) {
      round.firstFailures.add(String.valueOf(e));
    }
    if (c != null) {
      c.phase = Phase.FAILED;
      closeQuietly(c);
    }
  }

  private static void closeQuietly(Conn c) {
    c.key.cancel();
    try {
      c.channel.close();
    } catch (IOException ignored) {
      // closing a broken channel: nothing more to release
    }
  }

  /** Closes every connection (an orderly FIN each), then the selector. */
  @Override
  public void close() throws IOException {
    for (Conn c : conns) {
      closeQuietly(c);
    }
    conns.clear();
    selector.close();
  }
}
