package dev.keel.proxy.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One case of the hostile-request corpus ({@code src/test/resources/hostile/NN-name.http}).
 *
 * <p>File format: the first line is {@code # expect STATUS [forwarded] [absent=H1,H2] | RFC section |
 * description}; the rest is the raw request, where physical newlines are ignored, {@code \r \n \t \0
 * \\ \xHH} are escapes and {@code ${repeat:N:text}} repeats {@code text} (no closing brace inside)
 * N times. {@code forwarded}: the request must reach the backend exactly once (else never);
 * {@code absent}: headers the backend must not receive.
 */
record HostileRequest(String name, int status, boolean forwarded, List<String> absent, String reference, byte[] bytes) {
  private static final Pattern HEADER = Pattern.compile("# expect (\\d{3})((?: [a-z]+(?:=[^ |]+)?)*) \\| ([^|]+) \\| (.+)");
  private static final Pattern REPEAT = Pattern.compile("\\$\\{repeat:(\\d+):([^}]*)}");

  static HostileRequest load(String resource) {
    String text;
    try (InputStream in = HostileRequest.class.getResourceAsStream("/hostile/" + resource)) {
      if (in == null) {
        throw new IllegalArgumentException("no corpus file " + resource);
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int nl = text.indexOf('\n');
    Matcher m = HEADER.matcher(text.substring(0, nl));
    if (!m.matches()) {
      throw new IllegalArgumentException(resource + ": first line '" + text.substring(0, nl) + "' is not '# expect ...'");
    }
    boolean forwarded = false;
    List<String> absent = new ArrayList<>();
    for (String flag : m.group(2).trim().split(" ")) {
      if (flag.equals("forwarded")) {
        forwarded = true;
      } else if (flag.startsWith("absent=")) {
        absent.addAll(List.of(flag.substring(7).split(",")));
      } else if (!flag.isEmpty()) {
        throw new IllegalArgumentException(resource + ": unknown flag '" + flag + "'");
      }
    }
    String body = text.substring(nl + 1).replace("\n", "");
    Matcher r = REPEAT.matcher(body);
    StringBuilder expanded = new StringBuilder();
    while (r.find()) {
      r.appendReplacement(expanded, Matcher.quoteReplacement(r.group(2).repeat(Integer.parseInt(r.group(1)))));
    }
    r.appendTail(expanded);
    return new HostileRequest(resource, Integer.parseInt(m.group(1)), forwarded, List.copyOf(absent),
        m.group(3).trim(), unescape(resource, expanded.toString()));
  }

  static byte[] unescape(String resource, String s) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c != '\\') {
        out.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
        continue;
      }
      char e = s.charAt(++i);
      switch (e) {
        case 'r' -> out.write('\r');
        case 'n' -> out.write('\n');
        case 't' -> out.write('\t');
        case '0' -> out.write(0);
        case '\\' -> out.write('\\');
        case 'x' -> {
          out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
          i += 2;
        }
        default -> throw new IllegalArgumentException(resource + ": unknown escape '\\" + e + "'");
      }
    }
    return out.toByteArray();
  }

  @Override
  public String toString() {
    return name + " -> " + status + " (" + reference + ")";
  }
}
