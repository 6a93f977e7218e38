package dev.keel.registry.nacos.testserver;

import com.alibaba.nacos.api.naming.remote.request.AbstractNamingRequest;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.jspecify.annotations.Nullable;

/**
 * Access-key credentials, as nacos-client presents them: it signs each naming request, headers
 * {@code ak}, {@code data} ({@code timestamp@@group@@service}) and {@code signature} (Base64
 * HMAC-SHA1 of data with the secret key). With no keys configured, anything goes.
 */
final class Auth {
  private final Map<String, String> keys;

  Auth(Map<String, String> keys) {
    this.keys = Map.copyOf(keys);
  }

  /** Why {@code request} is refused, or null when it may go on. */
  @Nullable String check(AbstractNamingRequest request) {
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
}
