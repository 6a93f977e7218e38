package dev.keel.spring;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.util.Locale;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okio.BufferedSink;
import org.jspecify.annotations.Nullable;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.StreamingHttpOutputMessage;
import org.springframework.http.client.AbstractClientHttpRequest;
import org.springframework.http.client.ClientHttpResponse;

/** One request of {@link KeelClientHttpRequestFactory}: Spring's headers and body onto an OkHttp call. */
final class OkHttpClientRequest extends AbstractClientHttpRequest implements StreamingHttpOutputMessage {
  private final OkHttpClient client;
  private final URI uri;
  private final HttpMethod method;
  private @Nullable Body streamingBody;
  private @Nullable ByteArrayOutputStream bufferedBody;

  OkHttpClientRequest(OkHttpClient client, URI uri, HttpMethod method) {
    this.client = client;
    this.uri = uri;
    this.method = method;
  }

  @Override
  public HttpMethod getMethod() {
    return method;
  }

  @Override
  public URI getURI() {
    return uri;
  }

  @Override
  public void setBody(Body body) {
    assertNotExecuted();
    this.streamingBody = body;
  }

  @Override
  protected OutputStream getBodyInternal(HttpHeaders headers) {
    ByteArrayOutputStream b = bufferedBody;
    if (b == null) {
      b = new ByteArrayOutputStream(1024);
      bufferedBody = b;
    }
    return b;
  }

  @Override
  protected ClientHttpResponse executeInternal(HttpHeaders headers) throws IOException {
    Request.Builder request = new Request.Builder().url(uri.toString());
    headers.forEach((name, values) -> {
      // OkHttp frames the body itself; copying framing headers could contradict it.
      if (!name.equalsIgnoreCase(HttpHeaders.CONTENT_LENGTH) && !name.equalsIgnoreCase(HttpHeaders.TRANSFER_ENCODING)) {
        values.forEach(v -> request.addHeader(name, v));
      }
    });
    request.method(method.name(), body(headers));
    Response response = client.newCall(request.build()).execute();
    return new OkHttpClientResponse(response);
  }

  private @Nullable RequestBody body(HttpHeaders headers) {
    String type = headers.getFirst(HttpHeaders.CONTENT_TYPE);
    MediaType mediaType = type == null ? null : MediaType.parse(type);
    Body streaming = streamingBody;
    if (streaming != null) {
      return new StreamingBody(streaming, mediaType, headers.getContentLength());
    }
    ByteArrayOutputStream buffered = bufferedBody;
    if (buffered != null && buffered.size() > 0) {
      return RequestBody.create(buffered.toByteArray(), mediaType);
    }
    // OkHttp refuses a body on GET and HEAD and requires one on POST, PUT, PATCH.
    String m = method.name().toUpperCase(Locale.ROOT);
    boolean needsBody = m.equals("POST") || m.equals("PUT") || m.equals("PATCH") || m.equals("PROPPATCH") || m.equals("REPORT");
    return needsBody ? RequestBody.create(new byte[0], mediaType) : null;
  }

  /** A body Spring writes as OkHttp sends; one-shot unless Spring says it can be written again. */
  private static final class StreamingBody extends RequestBody {
    private final Body body;
    private final @Nullable MediaType type;
    private final long length;

    StreamingBody(Body body, @Nullable MediaType type, long length) {
      this.body = body;
      this.type = type;
      this.length = length;
    }

    @Override
    public @Nullable MediaType contentType() {
      return type;
    }

    @Override
    public long contentLength() {
      return length; // -1 when unknown: OkHttp sends it chunked
    }

    @Override
    public boolean isOneShot() {
      return !body.repeatable();
    }

    @Override
    public void writeTo(BufferedSink sink) throws IOException {
      body.writeTo(sink.outputStream());
    }
  }
}
