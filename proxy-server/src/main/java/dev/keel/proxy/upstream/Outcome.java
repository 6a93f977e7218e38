package dev.keel.proxy.upstream;

/** Why a request failed on a backend, as reported to the balancer. */
public enum Outcome {
  CONNECT,
  RESET,
  TIMEOUT,
  SERVER_ERROR
}
