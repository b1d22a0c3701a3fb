// Sets or removes a producer byte-rate quota for one client id, through
// Kafka's own Admin client (kafkajs has no AlterClientQuotas). Used by the
// overload test to give the pipeline a known delivery capacity.
// Run: java -cp '<kafka libs>/*' ClientQuota.java <bootstrap> <client-id> <bytes-per-second|remove>
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.quota.ClientQuotaAlteration;
import org.apache.kafka.common.quota.ClientQuotaEntity;

public class ClientQuota {
  public static void main(String[] args) throws Exception {
    Properties props = new Properties();
    props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    try (Admin admin = Admin.create(props)) {
      ClientQuotaEntity entity = new ClientQuotaEntity(Map.of(ClientQuotaEntity.CLIENT_ID, args[1]));
      Double rate = args[2].equals("remove") ? null : Double.valueOf(args[2]);
      ClientQuotaAlteration.Op op = new ClientQuotaAlteration.Op("producer_byte_rate", rate);
      admin.alterClientQuotas(List.of(new ClientQuotaAlteration(entity, List.of(op)))).all().get();
    }
    System.out.println("ok");
  }
}
