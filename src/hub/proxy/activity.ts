/**
 * Activity of users' servers as the proxy sees it: when a request or WebSocket frame last went through, and
 * bytes in either direction. Kept in memory (updated on every chunk), read by the culler and the user model.
 */
export interface ServerActivity {
  lastMs: number;
  bytesIn: number;
  bytesOut: number;
}

export class ActivityTracker {
  private byUser = new Map<number, ServerActivity>();

  note(userId: number, bytesIn: number, bytesOut: number): void {
    let a = this.byUser.get(userId);
    if (!a) this.byUser.set(userId, (a = { lastMs: 0, bytesIn: 0, bytesOut: 0 }));
    a.lastMs = Date.now();
    a.bytesIn += bytesIn;
    a.bytesOut += bytesOut;
  }

  get(userId: number): ServerActivity | null {
    return this.byUser.get(userId) ?? null;
  }

  forget(userId: number): void {
    this.byUser.delete(userId);
  }
}
