/**
 * Samples the CPU over just the measurement window, through the inspector
 * protocol node's `--cpu-prof` uses; writes the same `.cpuprofile` format
 * (readable by cpu-profile-summary.ts and Chrome DevTools) without the
 * process's start-up and warm-up in it.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector";

export async function startCpuProfile(intervalMicros = 200): Promise<(file: string) => Promise<void>> {
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) =>
    new Promise<unknown>((resolve, reject) => session.post(method, params ?? {}, (err, res) => (err === null ? resolve(res) : reject(err))));
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: intervalMicros });
  await post("Profiler.start");
  return async (file) => {
    const { profile } = (await post("Profiler.stop")) as { profile: unknown };
    writeFileSync(file, JSON.stringify(profile));
    session.disconnect();
  };
}
