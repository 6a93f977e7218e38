package dev.keel.registry.nacos.testserver;

import com.alibaba.nacos.api.naming.remote.request.AbstractNamingRequest;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * The test server's two kinds of credentials, as nacos-client presents them.
 *
 * <p>User name and password: the client logs in over HTTP ({@code POST /nacos/v1/auth/users/login} on
 * the HTTP port, user name in the query, password in the form body) and sends the token it gets in the
 * {@code accessToken} header of every request. Access key and secret key: the client signs each naming
 * request, headers {@code ak}, {@code data} ({@code timestamp@@group@@service}) and {@code signature}
 * (Base64 HMAC-SHA1 of data with the secret key). With no users and no keys configured, anything goes.
 */
final class Auth {
  private final Map<String, String> users;
  private final Map<String, String> keys;
  private final Set<String> tokens = ConcurrentHashMap.newKeySet();
  private @Nullable HttpServer http;

  Auth(Map<String, String> users, Map<String, String> keys) {
    this.users = Map.copyOf(users);
    this.keys = Map.copyOf(keys);
  }

  /** Why {@code request} is refused, or null when it may go on. */
  @Nullable String check(AbstractNamingRequest request) {
    if (!users.isEmpty() && !tokens.contains(String.valueOf(request.getHeader("accessToken")))) {
      return "user not found or token invalid (test server)";
    }
    if (!keys.isEmpty()) {
      String secret = keys.get(String.valueOf(request.getHeader("ak")));
      String data = request.getHeader("data");
      if (secret == null || data == null || !sign(data, secret).equals(request.getHeader("signature"))) {
        return "access key unknown or signature invalid (test server)";
      }
    }
    return null;
  }

  private static String sign(String data, String secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA1");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
      return Base64.getEncoder().encodeToString(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Starts the HTTP port's login endpoint (everything else there answers 404). */
  void startHttp(int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
    server.createContext("/nacos/v1/auth/users/login", this::login);
    server.createContext("/", ex -> reply(ex, 404, "{\"message\":\"not served by the Nacos test server\"}"));
    server.start();
    http = server;
  }

  void stopHttp() {
    if (http != null) {
      http.stop(0);
      http = null;
    }
  }

  private void login(HttpExchange ex) throws IOException {
    Map<String, String> form = new HashMap<>(parse(ex.getRequestURI().getRawQuery()));
    form.putAll(parse(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
    String user = form.get("username");
    if (user == null || !users.containsKey(user) || !users.get(user).equals(form.get("password"))) {
      reply(ex, 403, "unknown user!");
      return;
    }
    String token = UUID.randomUUID().toString();
    tokens.add(token);
    reply(ex, 200, "{\"accessToken\":\"" + token + "\",\"tokenTtl\":18000,\"globalAdmin\":false}");
  }

  private static Map<String, String> parse(@Nullable String encoded) {
    Map<String, String> out = new HashMap<>();
    if (encoded == null || encoded.isEmpty()) {
      return out;
    }
    for (String pair : encoded.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  private static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json;charset=UTF-8");
    ex.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(bytes);
    }
  }
}
