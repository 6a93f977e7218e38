package dev.keel.proxy.accesslog;

import static java.util.Objects.requireNonNull;

import org.jspecify.annotations.Nullable;

/**
 * What the access log says about one exchange, as the proxy saw it. The text fields are as
 * received (a client's bytes, unescaped): the formats escape them. Immutable; made on the event
 * loop, formatted on the writer thread.
 *
 * @param epochMillis when the response completed or failed
 * @param client the client address the proxy trusted (the peer, or the X-Forwarded-For hop it
 *     believed for a trusted proxy)
 * @param method the request method, as received
 * @param target the request target (path and query), as received
 * @param protocol {@code HTTP/1.1} or {@code HTTP/1.0}
 * @param status the status sent to the client; 0 when none was (the client went away first)
 * @param bytesSent response bytes sent to the client, head included
 * @param durationNanos from the request head to the response's end (or the failure)
 * @param upstreamId the id of the instance that answered (or was tried last), null when none was chosen
 * @param upstreamAddress its {@code host:port}, null when none was chosen
 * @param attempts instances tried (1 plus retries; 0 when none was)
 * @param route the route the request matched, null on a listener with {@code service:} or when none matched
 * @param service the service it was sent to, null when none was named
 * @param error why the proxy made or cut the response (such as {@code no_instance}, {@code upstream_timeout}),
 *     null when the response came from an instance whole
 * @param referer the {@code Referer} header, or null
 * @param userAgent the {@code User-Agent} header, or null
 */
public record AccessEntry(long epochMillis, String client, String method, String target, String protocol, int status,
    long bytesSent, long durationNanos, @Nullable String upstreamId, @Nullable String upstreamAddress, int attempts,
    @Nullable String route, @Nullable String service, @Nullable String error, @Nullable String referer,
    @Nullable String userAgent) {
  public AccessEntry {
    requireNonNull(client, "client");
    requireNonNull(method, "method");
    requireNonNull(target, "target");
    requireNonNull(protocol, "protocol");
  }
}
