import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMavenFetcher } from "../../../src/stack/maven-fetch.ts";
import { createProgress } from "../../../src/stack/progress.ts";
import { startSaslKafka, type SaslKafka } from "../../../src/stack/sasl-node.ts";
import { resolveStackConfig } from "../../../src/stack/stack-config.ts";
import type { SaslUser } from "../../../src/stack/sasl-config.ts";

/**
 * A SASL + TLS broker of its own for the security tests, never the shared
 * dev stack: ports `LOGWIRE_SASL_PORT` (default 26192, below the ephemeral range so no client socket holds it) for SASL_PLAINTEXT,
 * +1 for its controller, +2 for SASL_SSL, and a temp LOGWIRE_HOME removed by
 * `stop()`. The TLS certificate is self-signed by openssl for 127.0.0.1.
 */
export interface SaslBroker {
  readonly kafka: SaslKafka;
  readonly users: readonly SaslUser[];
  /** PEM of the self-signed certificate, for the client's `ssl.ca`. */
  readonly caPem: string;
  stop(): Promise<void>;
}

export const SASL_USERS: readonly SaslUser[] = [
  { name: "admin", password: "admin-pw-7f3a" },
  { name: "alice", password: "alice-pw-Zq81x" },
];

function selfSignedCert(dir: string): { keystore: string; caPem: string } {
  const key = join(dir, "key.pem");
  const cert = join(dir, "cert.pem");
  const result = spawnSync(
    "openssl",
    ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
    { encoding: "utf8", timeout: 30_000 },
  );
  if (result.status !== 0) throw new Error(`openssl failed: ${result.stderr}`);
  const caPem = readFileSync(cert, "utf8");
  const keystore = join(dir, "keystore.pem");
  // Kafka's PEM keystore: the PKCS#8 private key, then the certificate chain.
  writeFileSync(keystore, readFileSync(key, "utf8") + caPem);
  return { keystore, caPem };
}

export async function startSaslBroker(): Promise<SaslBroker> {
  const base = Number(process.env["LOGWIRE_SASL_PORT"] ?? 26192);
  const home = mkdtempSync(join(tmpdir(), "logwire-sasl-"));
  try {
    const { keystore, caPem } = selfSignedCert(home);
    const config = resolveStackConfig({ env: { ...process.env, LOGWIRE_HOME: home, LOGWIRE_KAFKA_PORT: String(base), LOGWIRE_CONTROLLER_PORT: String(base + 1), LOGWIRE_REGISTRY_PORT: String(base + 3) } });
    const kafka = await startSaslKafka({
      config,
      fetcher: createMavenFetcher({ cacheDir: config.cacheDir, progress: createProgress({ silent: true }) }),
      brokerPort: base,
      controllerPort: base + 1,
      security: { users: SASL_USERS, tls: { port: base + 2, keystorePemFile: keystore } },
      startTimeoutMs: 75_000,
    });
    return {
      kafka,
      users: SASL_USERS,
      caPem,
      async stop() {
        await kafka.stop();
        rmSync(home, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(home, { recursive: true, force: true });
    throw error;
  }
}
