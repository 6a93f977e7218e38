package dev.keel.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The sessions an in-JVM ZooKeeper server (curator-test's {@code TestingServer}) holds, read with
 * its four-letter words {@code dump} and {@code cons} over the client port. It lets a test wait
 * for the server to have expired a session instead of sleeping for some session timeouts: a session
 * cut off from the server stays tracked until the server's own timer ends it.
 *
 * <p>ZooKeeper answers only the four-letter words named in the system property
 * {@code zookeeper.4lw.commands.whitelist}, read once per JVM at the first such request; this class
 * adds {@code cons} and {@code dump} to it before its first request, which works for a server in the
 * same JVM that has not answered one yet. Stateless and thread-safe.
 */
public final class ZooKeeperSessions {
  private static final String WHITELIST = "zookeeper.4lw.commands.whitelist";
  private static final Pattern SESSION = Pattern.compile("0x\\p{XDigit}+");
  /** A line of {@code cons}: {@code /127.0.0.1:40634[1](queued=0,...,sid=0x1000b5e8c5c0000,...)}. */
  private static final Pattern CONNECTION = Pattern.compile("/[^:\\s]+:(\\d+)\\[.*?sid=(0x\\p{XDigit}+)");

  static {
    String now = System.getProperty(WHITELIST);
    if (now == null || now.isBlank()) {
      System.setProperty(WHITELIST, "cons,dump");
    } else if (!now.equals("*")) {
      System.setProperty(WHITELIST, now + ",cons,dump");
    }
  }

  private ZooKeeperSessions() {}

  /**
   * Every session the server on {@code 127.0.0.1:port} tracks now: connected or not, until it
   * expires or its client closes it.
   */
  public static Set<Long> tracked(int port) {
    String dump = send(port, "dump");
    int end = dump.indexOf("ephemeral nodes dump");
    String sessions = end < 0 ? dump : dump.substring(0, end);
    Set<Long> ids = new TreeSet<>();
    Matcher m = SESSION.matcher(sessions);
    while (m.find()) {
      ids.add(Long.parseUnsignedLong(m.group().substring(2), 16));
    }
    return ids;
  }

  /**
   * The sessions of the server's connections whose client side is one of {@code clientPorts} (for
   * instance {@link TcpRelay#upstreamPorts()}: the sessions of the clients behind a relay).
   */
  public static Set<Long> connectedFrom(int port, Set<Integer> clientPorts) {
    Set<Long> ids = new TreeSet<>();
    Matcher m = CONNECTION.matcher(send(port, "cons"));
    while (m.find()) {
      if (clientPorts.contains(Integer.parseInt(m.group(1)))) {
        ids.add(Long.parseUnsignedLong(m.group(2).substring(2), 16));
      }
    }
    return ids;
  }

  private static String send(int port, String word) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
      s.setSoTimeout(10_000);
      s.getOutputStream().write(word.getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (InputStream in = s.getInputStream()) {
        in.transferTo(out);
      }
      String answer = out.toString(StandardCharsets.US_ASCII);
      if (answer.contains("is not executed because it is not in the whitelist")) {
        throw new IllegalStateException("ZooKeeper on port " + port + " refuses '" + word + "': " + answer.strip()
            + " (this class enables it only for servers in this JVM that have not answered a four-letter word yet)");
      }
      return answer;
    } catch (IOException e) {
      throw new UncheckedIOException("ZooKeeper four-letter word '" + word + "' on port " + port, e);
    }
  }
}
