package dev.keel.proxy.http;

import org.jspecify.annotations.Nullable;

/**
 * Absolute-form request targets ({@code http://host/path}). They never choose the upstream: the
 * proxy sends the origin-form path to the listener's own service and the authority as Host.
 */
final class Targets {
  private Targets() {}

  static boolean isAbsolute(String uri) {
    return authorityStart(uri) > 0 && authority(uri) != null;
  }

  private static int authorityStart(String uri) {
    if (uri.regionMatches(true, 0, "http://", 0, 7)) {
      return 7;
    }
    if (uri.regionMatches(true, 0, "https://", 0, 8)) {
      return 8;
    }
    return -1;
  }

  /** The authority of an absolute-form target, or null when it has none or has user-info. */
  static @Nullable String authority(String uri) {
    int start = authorityStart(uri);
    if (start < 0) {
      return null;
    }
    int end = start;
    while (end < uri.length() && uri.charAt(end) != '/' && uri.charAt(end) != '?' && uri.charAt(end) != '#') {
      end++;
    }
    String a = uri.substring(start, end);
    return a.isEmpty() || a.indexOf('@') >= 0 || !RequestHead.validHost(a) ? null : a;
  }

  /** The origin-form ({@code /path?query}) of an absolute-form target. */
  static String originForm(String uri) {
    int start = authorityStart(uri);
    int i = start;
    while (i < uri.length() && uri.charAt(i) != '/' && uri.charAt(i) != '?') {
      i++;
    }
    if (i == uri.length()) {
      return "/";
    }
    String rest = uri.substring(i);
    int hash = rest.indexOf('#');
    if (hash >= 0) {
      rest = rest.substring(0, hash);
    }
    return rest.startsWith("?") ? "/" + rest : rest;
  }
}
