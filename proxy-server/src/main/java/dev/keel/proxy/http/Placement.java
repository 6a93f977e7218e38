package dev.keel.proxy.http;

import dev.keel.balancer.ConnectionLease;
import dev.keel.balancer.Endpoint;
import dev.keel.balancer.PickArgs;
import dev.keel.proxy.upstream.Backend;
import dev.keel.proxy.upstream.UpstreamPicker;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Where an exchange's next attempt goes: the backend session persistence names (counted and
 * reported like a pick), the connection balancer's place for a WebSocket upgrade, or the policy's
 * pick. A retry never goes to a backend already tried while another is available; the affinity key
 * stays, so ring-hash walks on to the next distinct backend (every retry of one client lands on the
 * same second choice); once every one was tried, the policy picks among all (a fresh connection may
 * succeed where a stale pooled one was reset). Confined to the exchange's event loop.
 */
final class Placement {
  private @Nullable StickySessions sticky;
  private @Nullable HttpService service;
  private boolean websocket;
  private @Nullable String token;
  private @Nullable CharSequence key;
  // allocated on the first retry only
  private @Nullable ArrayList<Endpoint> tried;
  // for the access log: tries placed for this request, and the last one's backend
  private int placed;
  private @Nullable Backend last;

  /**
   * A new request: nothing tried yet.
   *
   * @param sticky the persistence of the request's route
   * @param token the backend token a persistence cookie names, or null
   * @param key the ring-hash key (client IP), or null
   */
  void begin(StickySessions sticky, boolean websocket, @Nullable String token, @Nullable CharSequence key) {
    this.sticky = sticky;
    this.service = null;
    this.websocket = websocket;
    this.token = token;
    this.key = key;
    this.placed = 0;
    this.last = null;
    if (tried != null) {
      tried.clear();
    }
  }

  /** Tries placed for this request (the access log's attempts). */
  int placed() {
    return placed;
  }

  /** The backend of the last try placed, or null when none was. */
  @Nullable Backend last() {
    return last;
  }

  /** The backend token a persistence cookie named, or null. */
  @Nullable String token() {
    return token;
  }

  /**
   * {@code slot} begun as the next try on {@code to} (the request's service, open), one request
   * counted on its backend; null when no backend is available (503).
   */
  @Nullable Attempt next(Attempt slot, HttpService to) {
    Attempt a = place(slot, to);
    if (a != null) {
      placed++;
      last = a.backend();
    }
    return a;
  }

  private @Nullable Attempt place(Attempt slot, HttpService to) {
    service = to;
    UpstreamPicker picker = to.picker();
    List<Endpoint> t = tried;
    Backend b;
    if (t == null || t.isEmpty()) {
      // The persisted backend, counted and reported like a pick. When it is down or gone, the
      // policy picks, after a WebSocket upgrade's tunnel placement (hence strict for those).
      String pinned = token == null ? null : Backend.instanceId(token);
      boolean tunnel = placesTunnels();
      b = pinned == null ? null : picker.pick(PickArgs.builder().pinned(pinned).key(key).strict(tunnel).build());
      if (b == null && tunnel) {
        Attempt a = placeTunnel(slot, List.of());
        if (a != null) {
          return a;
        }
      }
      if (b == null) {
        b = picker.pick(key); // the common case: lock-free, allocation-free
      }
    } else {
      Attempt a = placeTunnel(slot, t);
      if (a != null) {
        return a;
      }
      b = picker.pick(PickArgs.builder().key(key).exclude(t).build());
      if (b == null) {
        b = picker.pick(key);
      }
    }
    return b == null ? null : slot.begin(b, null);
  }

  private boolean placesTunnels() {
    HttpService s = service;
    StickySessions p = sticky;
    return websocket && s != null && s.tunnels() != null && p != null && !p.clientIp();
  }

  /** The attempt on {@code b} failed: later ones avoid it while another backend is available. */
  void tried(Backend b) {
    ArrayList<Endpoint> t = tried;
    if (t == null) {
      t = new ArrayList<>(4);
      tried = t;
    }
    t.add(b.endpoint());
  }

  /**
   * A WebSocket upgrade that persistence does not bind is placed like the long-lived connection it
   * becomes: by the connection balancer, off the endpoints tried (on any when all were); its lease
   * counts the tunnel. Null: not such an upgrade, or nothing available (the policy picks then).
   */
  private @Nullable Attempt placeTunnel(Attempt slot, List<Endpoint> exclude) {
    HttpService s = service;
    TunnelBalancing tb = s == null ? null : s.tunnels();
    if (s == null || tb == null || !placesTunnels()) {
      return null;
    }
    ConnectionLease l = tb.open(exclude, exclude.isEmpty());
    if (l == null && !exclude.isEmpty()) {
      l = tb.open(List.of(), false);
    }
    if (l == null) {
      return null;
    }
    Backend b = s.picker().pick(PickArgs.builder().pinned(l.endpoint().id()).strict(true).build());
    if (b == null) {
      l.close(); // became unavailable in between
      return null;
    }
    return slot.begin(b, l);
  }
}
