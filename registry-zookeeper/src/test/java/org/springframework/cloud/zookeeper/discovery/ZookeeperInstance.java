package org.springframework.cloud.zookeeper.discovery;

import java.util.HashMap;
import java.util.Map;

/**
 * Test stand-in for Spring Cloud Zookeeper's payload class of the same name: same package, name and
 * bean shape (id, name, a string metadata map), which is all that Jackson and Curator's
 * {@code JsonInstanceSerializer} see. Spring Cloud is not a dependency of this build.
 */
public class ZookeeperInstance {
  private String id;
  private String name;
  private Map<String, String> metadata = new HashMap<>();

  @SuppressWarnings("unused") // Jackson creates it reflectively, as in Spring Cloud Zookeeper
  private ZookeeperInstance() {}

  public ZookeeperInstance(String id, String name, Map<String, String> metadata) {
    this.id = id;
    this.name = name;
    this.metadata = metadata;
  }

  public String getId() {
    return id;
  }

  public void setId(String id) {
    this.id = id;
  }

  public String getName() {
    return name;
  }

  public void setName(String name) {
    this.name = name;
  }

  public Map<String, String> getMetadata() {
    return metadata;
  }

  public void setMetadata(Map<String, String> metadata) {
    this.metadata = metadata;
  }
}
