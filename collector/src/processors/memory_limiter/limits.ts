/**
 * The hard and soft limits in bytes, as otelcol's getMemUsageChecker computes them: limit_mib
 * when set (it wins over limit_percentage), else limit_percentage of the available memory;
 * the spike limit defaults to 20% of the limit; soft = hard - spike.
 */
import type { MemoryLimiterConfig } from './config.ts';

const MIB = 1024 * 1024;

export interface MemoryLimits {
  hardBytes: number;
  spikeBytes: number;
  softBytes: number;
  /** Which setting the limits come from. */
  mode: 'fixed' | 'percentage';
}

/** `available` is only called for percentage limits (it may read cgroup files). */
export function computeLimits(config: MemoryLimiterConfig, available: () => number): MemoryLimits {
  let hard: number;
  let spike: number;
  let mode: MemoryLimits['mode'];
  if (config.limit_mib !== 0) {
    hard = config.limit_mib * MIB;
    spike = config.spike_limit_mib * MIB;
    mode = 'fixed';
  } else {
    const total = available();
    // Whole bytes, as otelcol's integer arithmetic (pct * total / 100).
    hard = Math.floor((config.limit_percentage * total) / 100);
    spike = Math.floor((config.spike_limit_percentage * total) / 100);
    mode = 'percentage';
  }
  if (spike === 0) spike = Math.floor(hard / 5);
  return { hardBytes: hard, spikeBytes: spike, softBytes: hard - spike, mode };
}
