package dev.keel.proxy.http;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

/** Comma-separated header tokens ({@code Connection: keep-alive, Upgrade}) without splitting into strings. */
final class Tokens {
  private Tokens() {}

  /** True when the comma list {@code value} holds {@code token}, case-insensitively. */
  static boolean contains(CharSequence value, String token) {
    int n = value.length();
    int i = 0;
    while (i < n) {
      int start = i;
      while (i < n && value.charAt(i) != ',') {
        i++;
      }
      if (equalsTrimmed(value, start, i, token)) {
        return true;
      }
      i++;
    }
    return false;
  }

  /** Removes from {@code headers} every header named by a token of {@code value}, except {@code keep}. */
  static void removeNamed(HttpHeaders headers, CharSequence value, String keep) {
    int n = value.length();
    int i = 0;
    while (i < n) {
      int start = i;
      while (i < n && value.charAt(i) != ',') {
        i++;
      }
      int a = start;
      int b = i;
      while (a < b && (value.charAt(a) == ' ' || value.charAt(a) == '\t')) {
        a++;
      }
      while (b > a && (value.charAt(b - 1) == ' ' || value.charAt(b - 1) == '\t')) {
        b--;
      }
      if (b > a && !equalsTrimmed(value, a, b, keep) && !equalsTrimmed(value, a, b, "close")
          && !equalsTrimmed(value, a, b, "keep-alive")) {
        headers.remove(new AsciiString(value.subSequence(a, b).toString()));
      }
      i++;
    }
  }

  private static boolean equalsTrimmed(CharSequence s, int from, int to, String token) {
    while (from < to && (s.charAt(from) == ' ' || s.charAt(from) == '\t')) {
      from++;
    }
    while (to > from && (s.charAt(to - 1) == ' ' || s.charAt(to - 1) == '\t')) {
      to--;
    }
    if (to - from != token.length()) {
      return false;
    }
    return AsciiString.regionMatches(s, true, from, token, 0, token.length());
  }
}
