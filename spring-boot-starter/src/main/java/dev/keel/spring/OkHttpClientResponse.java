package dev.keel.spring;

import java.io.InputStream;
import okhttp3.Response;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.ClientHttpResponse;

/** An OkHttp response seen as Spring's; closing it closes the OkHttp response (and ends Keel's request). */
final class OkHttpClientResponse implements ClientHttpResponse {
  private final Response response;
  private @Nullable HttpHeaders headers;

  OkHttpClientResponse(Response response) {
    this.response = response;
  }

  @Override
  public HttpStatusCode getStatusCode() {
    return HttpStatusCode.valueOf(response.code());
  }

  @Override
  public String getStatusText() {
    return response.message();
  }

  @Override
  public HttpHeaders getHeaders() {
    HttpHeaders h = headers;
    if (h == null) {
      h = new HttpHeaders();
      for (kotlin.Pair<? extends String, ? extends String> header : response.headers()) {
        h.add(header.getFirst(), header.getSecond());
      }
      headers = h;
    }
    return h;
  }

  @Override
  public InputStream getBody() {
    return response.body().byteStream();
  }

  @Override
  public void close() {
    response.close();
  }
}
