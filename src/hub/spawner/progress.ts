/**
 * Start progress of a server, as JupyterHub's progress API shapes it: a list of events
 * `{progress, message, ready?, failed?, url?}` that a late listener replays before following live.
 */
export interface ProgressEvent {
  progress: number;
  message: string;
  ready?: boolean;
  failed?: boolean;
  url?: string;
}

export class Progress {
  readonly events: ProgressEvent[] = [];
  private listeners = new Set<(e: ProgressEvent) => void>();
  done = false;

  emit(e: ProgressEvent): void {
    if (this.done) return;
    this.events.push(e);
    if (e.ready || e.failed) this.done = true;
    for (const l of this.listeners) l(e);
    if (this.done) this.listeners.clear();
  }

  /** Calls `fn` for past and future events; returns the unsubscribe function. */
  follow(fn: (e: ProgressEvent) => void): () => void {
    for (const e of this.events) fn(e);
    if (!this.done) this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
}
