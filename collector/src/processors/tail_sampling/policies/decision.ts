/**
 * The final decision over every policy's decision, with otelcol's precedence
 * (tailsamplingprocessor makeDecision): drop wins, then an inverted not-sampled, then sampled,
 * then inverted sampled when no policy said not sampled; anything else is not sampled.
 * Error, Pending and Unspecified take no part (otelcol counts errors and moves on), so an
 * Error does not block an InvertSampled the way a NotSampled does.
 */
import { Decision } from './policy.ts';

export function combineDecisions(decisions: readonly Decision[]): Decision {
  let dropped = false;
  let invertNotSampled = false;
  let sampled = false;
  let invertSampled = false;
  let notSampled = false;
  for (let i = 0; i < decisions.length; i++) {
    switch (decisions[i]) {
      case Decision.Dropped:
        dropped = true;
        break;
      case Decision.InvertNotSampled:
        invertNotSampled = true;
        break;
      case Decision.Sampled:
        sampled = true;
        break;
      case Decision.InvertSampled:
        invertSampled = true;
        break;
      case Decision.NotSampled:
        notSampled = true;
        break;
      default:
        break;
    }
  }
  if (dropped) return Decision.Dropped;
  if (invertNotSampled) return Decision.NotSampled;
  if (sampled) return Decision.Sampled;
  if (invertSampled && !notSampled) return Decision.Sampled;
  return Decision.NotSampled;
}

/** Whether one decision means "keep" (a policy's own decision or a combined one). */
export function isSampled(d: Decision): boolean {
  return d === Decision.Sampled || d === Decision.InvertSampled;
}

/** A policy's decision as a keep / don't-keep bit, the way and / drop / composite read it. */
export function isNotSampled(d: Decision): boolean {
  return d === Decision.NotSampled || d === Decision.InvertNotSampled;
}
