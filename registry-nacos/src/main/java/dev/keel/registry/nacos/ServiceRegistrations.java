package dev.keel.registry.nacos;

import com.alibaba.nacos.api.exception.NacosException;
import com.alibaba.nacos.api.naming.NamingService;
import com.alibaba.nacos.api.naming.pojo.Instance;
import com.google.errorprone.annotations.concurrent.GuardedBy;
import dev.keel.registry.Registration;
import dev.keel.registry.RegistrationHandle;
import dev.keel.registry.RegistryException;
import dev.keel.registry.RegistryLimits;
import dev.keel.registry.ServiceInstance;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This client's registrations of one service. Nacos keeps one registration entry per service per
 * connection, so every change sends the whole list as a batch registration; nacos-client remembers
 * the last list and sends it again after a reconnect (its "redo"), which restores the registrations
 * after a server restart or a lost connection. All changes of one service are serialized on this
 * object's monitor.
 */
final class ServiceRegistrations {
  private static final Logger log = LoggerFactory.getLogger(ServiceRegistrations.class);

  private final NamingService naming;
  private final String service;
  private final String group;
  private final String cluster;
  private final String incarnation;
  private final RegistryLimits limits;
  @GuardedBy("this")
  private final Map<String, RegistrationHandle> byId = new LinkedHashMap<>();
  /** The list last handed to nacos-client, which its redo data holds whether or not the server took it. */
  @GuardedBy("this")
  private List<Instance> lastSent = List.of();
  @GuardedBy("this")
  private boolean closed;

  /** @param incarnation the client's stamp, written with every instance ({@link InstanceMapping#INCARNATION_KEY}) */
  ServiceRegistrations(NamingService naming, String service, String group, String cluster, String incarnation,
      RegistryLimits limits) {
    this.naming = naming;
    this.service = service;
    this.group = group;
    this.cluster = cluster;
    this.incarnation = incarnation;
    this.limits = limits;
  }

  /** Registers (or replaces) {@code instance}; throws {@link RegistryException} when Nacos refuses. */
  synchronized Registration register(ServiceInstance instance) {
    RegistrationHandle r = new RegistrationHandle(instance, this::deregister, this::update);
    RegistrationHandle previous = byId.put(instance.id(), r);
    try {
      send();
    } catch (NacosException e) {
      // Put the list back as it was; nacos-client keeps retrying whatever was sent last.
      if (previous == null) {
        byId.remove(instance.id());
      } else {
        byId.put(instance.id(), previous);
      }
      sendQuietly();
      throw new RegistryException("nacos: could not register " + instance + " (" + e.getErrMsg() + ")", e);
    }
    if (previous != null) {
      previous.supersede(); // only now: a refused registration puts the previous one back, still live
    }
    return r;
  }

  /**
   * Forgets every registration, after which closing one does nothing. With {@code deregister} the
   * empty list is sent (for a NamingService that outlives the client); without, the caller is about
   * to shut the connection down, which removes them on the server.
   */
  synchronized void closeAll(boolean deregister) {
    closed = true;
    if (!byId.isEmpty()) {
      byId.values().forEach(RegistrationHandle::supersede);
      byId.clear();
      if (deregister) {
        sendQuietly();
      }
    }
  }

  /**
   * Sends the list again with {@code next} in place of the instance it updates (the handle holds it
   * already): Nacos replaces this connection's instances of the service in one step, so subscribers
   * see the instance change, never go, and nacos-client's redo holds the updated list.
   */
  private synchronized void update(RegistrationHandle r, ServiceInstance next) {
    NacosRules.check(next, limits); // refused at once, as register refuses it
    if (closed || byId.get(next.id()) != r) {
      throw new IllegalStateException("update: " + r + " was superseded, or its client closed");
    }
    try {
      send();
    } catch (NacosException e) {
      throw new RegistryException("nacos: could not update " + next + " (" + e.getErrMsg() + ")", e);
    }
  }

  private synchronized void deregister(RegistrationHandle r) {
    if (closed || !byId.remove(r.instance().id(), r)) {
      return; // superseded or already gone
    }
    sendQuietly();
  }

  @GuardedBy("this")
  private void send() throws NacosException {
    List<Instance> list = new ArrayList<>(byId.size());
    for (RegistrationHandle r : byId.values()) {
      list.add(InstanceMapping.toNacos(r.instance(), cluster, incarnation));
    }
    List<Instance> previous = lastSent;
    lastSent = list;
    if (list.isEmpty() && !previous.isEmpty()) {
      // The last one goes. Deregistering what was sent leaves the server's list and nacos-client's
      // redo data empty, as an empty batch does, without nacos-client's warning about an empty batch.
      try {
        naming.batchDeregisterInstance(service, group, previous);
        return;
      } catch (NacosException e) {
        if (e.getErrCode() != NacosException.INVALID_PARAM) {
          throw e; // the server is out of reach: nacos-client's redo data is empty already, and is sent later
        }
        // nacos-client found no such batch in its redo data (a NamingService given to Keel and used
        // for these services too): an empty batch is what remains to send.
        log.debug("nacos: batch deregistration of service '{}' refused ({}); sending an empty list", service, e.getErrMsg());
      }
    }
    naming.batchRegisterInstance(service, group, list);
  }

  @GuardedBy("this")
  private void sendQuietly() {
    try {
      send();
    } catch (NacosException | RuntimeException e) {
      log.warn("nacos: could not update the registrations of service '{}' now ({}); nacos-client retries "
          + "after it reconnects", service, e instanceof NacosException ? ((NacosException) e).getErrMsg() : e.toString());
    }
  }
}
