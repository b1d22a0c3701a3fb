import { join } from "node:path";
import { ErrorCode, LogwireError } from "../runtime/errors.ts";
import { STACK_HOST } from "./stack-config.ts";
import type { KafkaNodeSpec } from "./kafka-config.ts";

/**
 * A single KRaft node with authentication switched on, for testing clients
 * against SASL and TLS on loopback:
 *
 * - `SASL_PLAINTEXT` on the broker port: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512;
 * - `SASL_SSL` on `tlsPort` (optional): the same mechanisms inside TLS, with a
 *   PEM key and certificate (e.g. self-signed with openssl);
 * - `CONTROLLER` stays PLAINTEXT: only the node itself talks to it.
 *
 * PLAIN users live in the listener's JAAS line (`user_<name>="<pw>"`); SCRAM
 * users are written into the metadata log when storage is formatted
 * (`kafka-storage format --add-scram`), so they exist before the broker
 * serves its first request. No authorizer is configured: any authenticated
 * user may write, which is all a client test needs.
 */

export interface SaslUser {
  readonly name: string;
  readonly password: string;
}

export interface SaslTls {
  readonly port: number;
  /** PEM file holding the private key (unencrypted PKCS#8) and then the certificate chain. */
  readonly keystorePemFile: string;
}

export interface SaslNodeSecurity {
  readonly users: readonly SaslUser[];
  readonly tls?: SaslTls;
}

export const SASL_MECHANISMS = ["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] as const;

/** The user the broker itself authenticates as (inter-broker PLAIN); first of `users`. */
function interBrokerUser(security: SaslNodeSecurity): SaslUser {
  const user = security.users[0];
  if (user === undefined) {
    throw new LogwireError(ErrorCode.InvalidOption, "a SASL node needs at least one user", { path: "users", fix: "pass users: [{ name, password }]" });
  }
  return user;
}

/**
 * Names and passwords go into a JAAS string and a `--add-scram` argument,
 * whose quoting cannot carry `"`, `,`, `]`, `=`, `\` or spaces.
 */
export function checkSaslUsers(users: readonly SaslUser[]): void {
  users.forEach((u, i) => {
    for (const field of ["name", "password"] as const) {
      if (!/^[A-Za-z0-9._@!#%+-]{1,128}$/.test(u[field])) {
        throw new LogwireError(ErrorCode.InvalidOption, `${field} of user ${i} has characters the broker's JAAS and --add-scram syntax cannot carry`, {
          path: `users[${i}].${field}`,
          fix: "use letters, digits and . _ @ ! # % + - only",
        });
      }
    }
  });
}

/** The JAAS line of a listener's mechanism. */
function jaas(mechanism: (typeof SASL_MECHANISMS)[number], security: SaslNodeSecurity): string {
  if (mechanism === "PLAIN") {
    const self = interBrokerUser(security);
    const users = security.users.map((u) => `user_${u.name}="${u.password}"`).join(" ");
    return `org.apache.kafka.common.security.plain.PlainLoginModule required username="${self.name}" password="${self.password}" ${users};`;
  }
  return "org.apache.kafka.common.security.scram.ScramLoginModule required;";
}

/**
 * `server.properties` of a SASL node: `base` (renderServerProperties' output)
 * with its listener lines replaced and the SASL/TLS settings appended.
 */
export function renderSaslServerProperties(base: string, node: KafkaNodeSpec, security: SaslNodeSecurity): string {
  checkSaslUsers(security.users);
  const replaced = new Set(["listeners", "advertised.listeners", "listener.security.protocol.map", "inter.broker.listener.name"]);
  const kept = base.split("\n").filter((l) => l !== "" && !replaced.has(l.split("=")[0] ?? ""));
  const listeners = [`SASL_PLAINTEXT://${STACK_HOST}:${node.brokerPort}`];
  const protocols = ["SASL_PLAINTEXT:SASL_PLAINTEXT", "CONTROLLER:PLAINTEXT"];
  if (security.tls !== undefined) {
    listeners.push(`SASL_SSL://${STACK_HOST}:${security.tls.port}`);
    protocols.push("SASL_SSL:SASL_SSL");
  }
  const lines = [
    ...kept,
    `listeners=${listeners.join(",")},CONTROLLER://${STACK_HOST}:${node.controllerPort}`,
    `advertised.listeners=${listeners.join(",")}`,
    `listener.security.protocol.map=${protocols.join(",")}`,
    "inter.broker.listener.name=SASL_PLAINTEXT",
    "sasl.mechanism.inter.broker.protocol=PLAIN",
    `sasl.enabled.mechanisms=${SASL_MECHANISMS.join(",")}`,
  ];
  for (const listener of security.tls === undefined ? ["sasl_plaintext"] : ["sasl_plaintext", "sasl_ssl"]) {
    for (const mechanism of SASL_MECHANISMS) {
      lines.push(`listener.name.${listener}.${mechanism.toLowerCase()}.sasl.jaas.config=${jaas(mechanism, security)}`);
    }
  }
  if (security.tls !== undefined) {
    lines.push(
      "ssl.keystore.type=PEM",
      `ssl.keystore.location=${security.tls.keystorePemFile}`,
      // Clients are not asked for certificates: SASL authenticates them.
      "ssl.client.auth=none",
    );
  }
  return lines.join("\n") + "\n";
}

/** `kafka-storage format` arguments creating every user for both SCRAM mechanisms. */
export function scramFormatArgs(users: readonly SaslUser[]): string[] {
  checkSaslUsers(users);
  return users.flatMap((u) => [
    "--add-scram",
    `SCRAM-SHA-256=[name=${u.name},password=${u.password}]`,
    "--add-scram",
    `SCRAM-SHA-512=[name=${u.name},password=${u.password}]`,
  ]);
}

/** A node spec for a SASL node under `stateDir`, with the ports given. */
export function saslNodeSpec(stateDir: string, brokerPort: number, controllerPort: number): KafkaNodeSpec {
  const dir = join(stateDir, "kafka-sasl");
  return {
    nodeId: 1,
    brokerPort,
    controllerPort,
    dir,
    dataDir: join(dir, "data"),
    propertiesFile: join(dir, "server.properties"),
    log4jFile: join(dir, "log4j2.properties"),
  };
}
