package dev.keel.spring;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/** A small Spring Boot web application with the starter: answers its name, and calls others by name. */
@SpringBootConfiguration
@EnableAutoConfiguration
@RestController
class TestApp {
  private final String name;
  private final RestClient keelRestClient;

  TestApp(@Value("${test.name:app}") String name, RestClient keelRestClient) {
    this.name = name;
    this.keelRestClient = keelRestClient;
  }

  @GetMapping("/hello")
  String hello() {
    return name;
  }

  /** Calls {@code http://<service>/hello} through Keel and answers what it answered. */
  @GetMapping("/call/{service}")
  String call(@PathVariable String service) {
    return keelRestClient.get().uri("http://" + service + "/hello").retrieve().body(String.class);
  }
}
