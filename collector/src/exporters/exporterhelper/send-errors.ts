/**
 * Errors the sender chain makes itself, as subclasses of CollectorError (same codes, so receivers
 * and docs/ERRORS.md see nothing new) that tell the queue what happened to a batch:
 *
 *  - AttemptAbortedError: an attempt still in flight was aborted because the exporter stopped.
 *    Its outcome is unknown: the destination may have taken the data.
 *  - RetriesStoppedError: a retryable failure that will not be retried because the exporter is
 *    shutting down. A persistent queue keeps such a batch on disk for the next start; a memory
 *    queue drops it (counted).
 *
 * An attempt's outcome is "unknown" when it timed out (ours or the destination's
 * DEADLINE_EXCEEDED) or was aborted in flight: sending the batch again may duplicate it, which is
 * what tailpipe_exporter_possible_duplicate_spans counts.
 */
import { CollectorError } from '../../errors/codes.ts';

export class AttemptAbortedError extends CollectorError {
  constructor(detail = 'export attempt aborted: the exporter is shutting down') {
    super('TP_SHUTTING_DOWN', detail);
    this.name = 'AttemptAbortedError';
  }
}

export class RetriesStoppedError extends CollectorError {
  /** The last attempt's error. */
  readonly lastError: CollectorError;
  /** True when the last attempt may have reached the destination (timeout, aborted in flight). */
  readonly lastOutcomeUnknown: boolean;

  constructor(lastError: CollectorError) {
    super('TP_SHUTTING_DOWN', `not retried, the exporter is shutting down; last error: ${lastError.message}`, { cause: lastError });
    this.name = 'RetriesStoppedError';
    this.lastError = lastError;
    this.lastOutcomeUnknown = isOutcomeUnknown(lastError);
  }
}

/** Did this failed attempt possibly deliver the data? */
export function isOutcomeUnknown(err: CollectorError): boolean {
  if (err instanceof RetriesStoppedError) return err.lastOutcomeUnknown;
  return err.code === 'TP_EXPORT_TIMEOUT' || err instanceof AttemptAbortedError;
}

/**
 * Failures that mean "stopped before we could finish", not "the destination refused": a
 * persistent queue keeps the batch instead of dropping it.
 */
export function isStoppedByShutdown(err: CollectorError): boolean {
  return err instanceof RetriesStoppedError || err instanceof AttemptAbortedError;
}
