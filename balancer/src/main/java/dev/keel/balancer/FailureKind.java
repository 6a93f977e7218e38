package dev.keel.balancer;

/**
 * Why a request to an endpoint failed, as the caller saw it. Every kind counts toward passive
 * outlier ejection (consecutive failures and failure rate); the kind is kept for metrics and for
 * callers deciding whether to retry.
 */
public enum FailureKind {
  /** The connection could not be established (refused, unreachable, connect timeout). */
  CONNECT,
  /** The connection was reset or closed before a complete response. */
  RESET,
  /** No (complete) response within the request timeout. */
  TIMEOUT,
  /** The endpoint answered with a 5xx status (the caller decides which 5xx count). */
  HTTP_5XX,
  /** Any other failure attributable to the endpoint (protocol error, TLS failure, ...). */
  OTHER
}
