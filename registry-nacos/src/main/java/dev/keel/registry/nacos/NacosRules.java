package dev.keel.registry.nacos;

import dev.keel.registry.RegistryLimits;
import dev.keel.registry.ServiceInstance;
import java.util.regex.Pattern;

/**
 * What a Nacos 2.x server and nacos-client refuse, checked before anything is sent, so that a name
 * or an instance Nacos would refuse fails at once with the field, the value and the rule rather
 * than with Nacos's {@code Param check invalid} from the server, or half-way through a batch.
 *
 * <p>The rules are Nacos 2.5's: the server's parameter checker ({@code ParamCheckRule}: the same
 * patterns and lengths, quirks included, such as a service name whose first character is not
 * checked) and nacos-client's own cluster-name check, stricter than the server's. Proven against the
 * real server by {@code NacosRulesIntegrationTest}: for each case, Keel refuses exactly when Nacos
 * does. Stateless and thread-safe.
 */
final class NacosRules {
  /** The server's default {@code nacos.naming.service.metadata.length}. */
  static final int DEFAULT_METADATA_LIMIT = 1024;

  private static final Pattern SERVICE = Pattern.compile("^(?!@).((?!@@)[^\\u4E00-\\u9FA5\\s])*$");
  private static final Pattern GROUP = Pattern.compile("^[a-zA-Z0-9-_:\\.]*$");
  private static final Pattern NAMESPACE = Pattern.compile("^[\\w-]+");
  private static final Pattern IP = Pattern.compile("^[^\\u4E00-\\u9FA5\\s]*$");
  /** nacos-client's, which also refuses the {@code _} the server allows. */
  private static final Pattern CLUSTER = Pattern.compile("^[0-9a-zA-Z-]+$");

  private NacosRules() {}

  static String service(String service) {
    return check("service", service, 512, SERVICE,
        "no white space, no '@@', not starting with '@', no CJK ideographs U+4E00..U+9FA5");
  }

  static String group(String group) {
    if (group.contains("@@")) { // nacos-client joins group and service with "@@"
      throw new IllegalArgumentException("group: '" + group + "' (expected, for Nacos: no '@@')");
    }
    return check("group", group, 128, GROUP, "letters, digits, '-', '_', ':', '.'");
  }

  static String namespace(String namespace) {
    return check("namespace", namespace, 64, NAMESPACE, "letters, digits, '_' and '-': the namespace id");
  }

  static String cluster(String cluster) {
    return check("cluster", cluster, 64, CLUSTER, "letters, digits and '-'");
  }

  static String host(String host) {
    return check("host", host, 128, IP, "no white space, no CJK ideographs U+4E00..U+9FA5");
  }

  /**
   * The limits Keel declares for a server whose metadata limit is {@code serverLimit}, for a client
   * that stamps {@code incarnation}: Keel's id travels in the metadata key
   * {@value InstanceMapping#ID_KEY} and the stamp in {@value InstanceMapping#INCARNATION_KEY}, which
   * Nacos counts like any other entry. {@link RegistryLimits#metadataChars} counts the id itself.
   */
  static RegistryLimits limits(int serverLimit, String incarnation) {
    int stamp = incarnation.isBlank() ? 0 : InstanceMapping.INCARNATION_KEY.length() + incarnation.length();
    return RegistryLimits.maxMetadataChars(serverLimit - InstanceMapping.ID_KEY.length() - stamp);
  }

  /** Refuses {@code instance} when Nacos would; {@code limits} from {@link #limits(int, String)}. */
  static void check(ServiceInstance instance, RegistryLimits limits) {
    service(instance.service());
    host(instance.host());
    limits.check(instance);
  }

  private static String check(String field, String value, int maxLength, Pattern pattern, String expected) {
    if (value.length() > maxLength) {
      throw new IllegalArgumentException(field + ": " + value.length() + " characters (expected: at most " + maxLength
          + " for Nacos)");
    }
    if (!pattern.matcher(value).matches()) {
      throw new IllegalArgumentException(field + ": '" + value + "' (expected, for Nacos: " + expected + ")");
    }
    return value;
  }
}
