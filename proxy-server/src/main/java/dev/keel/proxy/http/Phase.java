package dev.keel.proxy.http;

/**
 * Where one {@link Exchange} stands. The transitions allowed are exactly those of {@link
 * #canMoveTo}; {@code Exchange.moveTo} refuses any other with an {@link IllegalStateException}
 * naming both phases and the reason, so a wrong move fails loudly instead of leaving a connection
 * in a state nobody designed. The diagram (also in proxy-server/README.md):
 *
 * <pre>
 *   IDLE ──dispatch──▶ CONNECTING ──connected, body to come──▶ SENDING
 *    │                  │   ▲   └──connected, request complete──┐  │ last byte sent
 *    │                  │   │                                    ▼  ▼
 *    │                  │   └──retry (nothing sent / safe)── AWAITING_HEAD ──101──▶ TUNNEL
 *    │                  │   └──retry (head held, safe)──┐        │ final head          │
 *    │                  │   └──retry (refused unprocessed)── SENDING                  │
 *    │                  │                               │        ▼                     │
 *    │                  │       SENDING ──early head──▶ STREAMING ──end──▶ DONE        │
 *    ▼                  ▼                                  │                           ▼
 *  CLOSING ◀──────────── refused, failed, timed out, client gone (from any phase) ──CLOSING
 * </pre>
 *
 * {@link #DONE} and {@link #CLOSING} are final: the connection then starts the next exchange (or
 * closes). Whether the request's last byte has arrived is tracked beside the phase: a response may
 * start (and even end) before the request is complete.
 */
enum Phase {
  /** The request head was checked; nothing chosen or sent yet (the rest of its read is being looked at). */
  IDLE,
  /** A backend was chosen; its connection (or stream) is being opened or taken from the pool. */
  CONNECTING,
  /** The request head went upstream; its body is still coming from the client. */
  SENDING,
  /** The whole request went upstream; {@code timeouts.request} runs until the response head. */
  AWAITING_HEAD,
  /** A final response head arrived; its body goes to the client. */
  STREAMING,
  /** A 101 turned the connection into a WebSocket tunnel: raw bytes both ways until either side closes. */
  TUNNEL,
  /** The exchange ended without a complete response: refused, failed, timed out, or the client left. */
  CLOSING,
  /** The response was relayed completely. */
  DONE;

  /** True when an exchange in this phase may move to {@code next}. */
  boolean canMoveTo(Phase next) {
    return switch (this) {
      case IDLE -> next == CONNECTING || next == CLOSING;
      // CONNECTING -> CONNECTING: the connect failed and the exchange is retried elsewhere
      case CONNECTING -> next == CONNECTING || next == SENDING || next == AWAITING_HEAD || next == CLOSING;
      // SENDING -> CONNECTING: the instance refused the stream unprocessed and what went can be sent again
      case SENDING -> next == AWAITING_HEAD || next == STREAMING || next == CONNECTING || next == CLOSING;
      case AWAITING_HEAD -> next == STREAMING || next == TUNNEL || next == CONNECTING || next == CLOSING;
      // STREAMING -> CONNECTING: only a held head was produced, so nothing reached the client
      case STREAMING -> next == DONE || next == CONNECTING || next == CLOSING;
      case TUNNEL -> next == CLOSING;
      case CLOSING, DONE -> false;
    };
  }

  /** True once the exchange is over (the connection may go on with the next one, or close). */
  boolean over() {
    return this == DONE || this == CLOSING;
  }
}
