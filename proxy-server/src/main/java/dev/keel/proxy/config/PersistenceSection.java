package dev.keel.proxy.config;

import dev.keel.proxy.config.ListenerConfig.ClientIp;
import dev.keel.proxy.config.ListenerConfig.Persistence;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A {@code persistence} section: type, cookies (lb-cookie, app-cookie), client-ip. A route's is
 * read over its listener's, key by key, so a route that sets only {@code type} keeps the listener's
 * cookies and client-ip settings.
 */
final class PersistenceSection {
  private PersistenceSection() {}

  /** {@code f} over {@code base} ({@link Persistence#NONE} for a listener; a route's listener's). */
  static Persistence read(@Nullable Fields f, Persistence base) {
    if (f == null) {
      return base;
    }
    String type = f.oneOf("type", base.type(), Persistence.TYPES);
    String cookie = cookieName(f, "cookie", base.cookie());
    String insert = cookieName(f, "insert-cookie", base.insertCookie());
    if ("app-cookie".equals(type) && insert.equals(cookie)) {
      throw f.error("insert-cookie", "'" + insert + "' is also persistence.cookie (expected: another name: the proxy's"
          + " cookie for answers that set no '" + cookie + "')");
    }
    ClientIp clientIp = clientIp(f, base.clientIp());
    f.done();
    return new Persistence(type, cookie, insert, clientIp);
  }

  private static ClientIp clientIp(Fields f, ClientIp d) {
    List<String> headers = d.headers();
    if (f.has("client-ip-headers")) {
      headers = f.parsedList("client-ip-headers", "a header name like X-Forwarded-For", PersistenceSection::clientIpHeader);
      if (headers.isEmpty()) {
        throw f.error("client-ip-headers", "[] (expected: at least one header, such as x-forwarded-for)");
      }
    }
    boolean strict = f.bool("strict", d.strict());
    double factor = f.decimal("hash-balance-factor", d.hashBalanceFactor(), 0, 100);
    if (factor != 0 && factor < 1.0) {
      throw f.error("hash-balance-factor", factor + " (expected: 0 for no load bound, or at least 1.0)");
    }
    if (strict && f.has("hash-balance-factor") && factor != 0) {
      throw f.error("hash-balance-factor", factor + " with strict: true (expected: no load bound when strict: leave it"
          + " out, or strict: false)");
    }
    return new ClientIp(headers, strict, factor);
  }

  private static String clientIpHeader(String s) {
    String lower = s.toLowerCase(Locale.ROOT);
    if (s.isEmpty() || !s.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0))
        || lower.equals("host")) {
      throw new IllegalArgumentException("header: '" + s + "' (expected: a header name like X-Forwarded-For)");
    }
    return lower;
  }

  private static String cookieName(Fields f, String key, String dflt) {
    String name = f.string(key, dflt);
    if (!name.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+")) {
      throw f.error(key, "'" + name + "' (expected: a cookie name, letters, digits and !#$%&'*+.^_`|~-)");
    }
    return name;
  }
}
