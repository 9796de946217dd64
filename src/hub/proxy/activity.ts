/**
 * Activity of users' servers as the proxy sees it: when a request or WebSocket frame last went through, and
 * bytes in either direction. Kept in memory (updated on every chunk), read by the culler and the user model.
 * Keyed by server (`serverKey(userId, name)`), so each named server is culled on its own activity.
 */
export interface ServerActivity {
  lastMs: number;
  bytesIn: number;
  bytesOut: number;
}

export class ActivityTracker {
  private byServer = new Map<string, ServerActivity>();

  note(key: string, bytesIn: number, bytesOut: number): void {
    let a = this.byServer.get(key);
    if (!a) this.byServer.set(key, (a = { lastMs: 0, bytesIn: 0, bytesOut: 0 }));
    a.lastMs = Date.now();
    a.bytesIn += bytesIn;
    a.bytesOut += bytesOut;
  }

  get(key: string): ServerActivity | null {
    return this.byServer.get(key) ?? null;
  }

  forget(key: string): void {
    this.byServer.delete(key);
  }
}
