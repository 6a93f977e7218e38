package dev.keel.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.keel.balancer.FailureKind;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.Test;

class OutcomesTest {
  private static Request request(String method) {
    RequestBody body = method.equals("GET") || method.equals("HEAD") || method.equals("OPTIONS")
        ? null : RequestBody.create("x", MediaType.get("text/plain"));
    return new Request.Builder().url("http://orders/x").method(method, body).build();
  }

  @Test
  void anythingBeforeTheRequestReachedAConnectionIsAConnectFailure() {
    assertThat(Outcomes.classify(new ConnectException("refused"), false)).isEqualTo(FailureKind.CONNECT);
    assertThat(Outcomes.classify(new SocketTimeoutException("connect timed out"), false))
        .isEqualTo(FailureKind.CONNECT);
    assertThat(Outcomes.classify(new SocketTimeoutException("timeout"), true)).isEqualTo(FailureKind.TIMEOUT);
    assertThat(Outcomes.classify(new SocketException("Connection reset"), true)).isEqualTo(FailureKind.RESET);
    assertThat(Outcomes.classify(new IOException("unexpected end of stream"), true)).isEqualTo(FailureKind.RESET);
  }

  @Test
  void connectFailuresAreRetriedForEveryMethod() {
    for (String m : new String[] {"GET", "POST", "PATCH", "PUT", "DELETE"}) {
      assertThat(Outcomes.retryable(FailureKind.CONNECT, request(m))).as(m).isTrue();
    }
  }

  @Test
  void resetsTimeoutsAnd5xxAreRetriedForIdempotentMethodsOnly() {
    for (FailureKind k : new FailureKind[] {FailureKind.RESET, FailureKind.TIMEOUT, FailureKind.HTTP_5XX}) {
      for (String m : new String[] {"GET", "HEAD", "OPTIONS", "PUT", "DELETE"}) {
        assertThat(Outcomes.retryable(k, request(m))).as(k + " " + m).isTrue();
      }
      assertThat(Outcomes.retryable(k, request("POST"))).as(k + " POST").isFalse();
      assertThat(Outcomes.retryable(k, request("PATCH"))).as(k + " PATCH").isFalse();
    }
  }

  @Test
  void aOneShotBodyIsNeverSentTwice() {
    Request put = new Request.Builder().url("http://orders/x")
        .put(new OneShotBody(RequestBody.create("x", MediaType.get("text/plain")))).build();

    assertThat(Outcomes.retryable(FailureKind.RESET, put)).isFalse();
    assertThat(Outcomes.retryable(FailureKind.CONNECT, put)).isTrue();
  }
}
