import { performance } from "node:perf_hooks";

/**
 * What a measurement window cost the process: wall time, CPU time (user +
 * system, so > 1 means more than one core) and event-loop utilization (near
 * 1 means the Node thread, not the broker, was the limit).
 */
export interface WindowCost {
  readonly seconds: number;
  readonly cpuCores: number;
  readonly eventLoopUtilization: number;
}

export function startWindow(): () => WindowCost {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  return () => {
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    return { seconds, cpuCores: (cpu.user + cpu.system) / 1e6 / seconds, eventLoopUtilization: elu.utilization };
  };
}
