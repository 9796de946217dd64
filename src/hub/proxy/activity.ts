/**
 * Activity of users' servers as the proxy sees it: when a request or WebSocket frame last went through, and
 * bytes in either direction. Kept in memory, read by the culler and the user model. Keyed by server
 * (`serverKey(userId, name)`), so each named server is culled on its own activity.
 *
 * HTTP requests are noted as they pass. Long-lived connections (WebSockets) are not counted per chunk: they
 * are attached as counters (the sockets' own byte counts, or the native relay's) that are read when
 * activity is asked for, every few seconds while any are attached, and a last time when they close. A
 * counter that does not know when it last moved bytes is dated when a read finds it moved, so such a time
 * is at most SAMPLE_MS late.
 */
export interface ServerActivity {
  lastMs: number;
  bytesIn: number;
  bytesOut: number;
}

/** Totals of one connection since it was attached. */
export type Counts = ServerActivity;

interface Source {
  read: () => Counts | null;
  seenIn: number;
  seenOut: number;
}

const SAMPLE_MS = 5000;

export class ActivityTracker {
  private byServer = new Map<string, ServerActivity>();
  private sources = new Map<string, Set<Source>>();
  private timer: NodeJS.Timeout | null = null;

  private entry(key: string): ServerActivity {
    let a = this.byServer.get(key);
    if (!a) this.byServer.set(key, (a = { lastMs: 0, bytesIn: 0, bytesOut: 0 }));
    return a;
  }

  note(key: string, bytesIn: number, bytesOut: number): void {
    const a = this.entry(key);
    a.lastMs = Date.now();
    a.bytesIn += bytesIn;
    a.bytesOut += bytesOut;
  }

  /**
   * Counts a connection's bytes from now on by reading `read` (null once it has nothing more to say). The
   * returned function detaches it, taking its final counts when given.
   */
  attach(key: string, read: () => Counts | null): (final?: Counts) => void {
    const s: Source = { read, seenIn: 0, seenOut: 0 };
    let set = this.sources.get(key);
    if (!set) this.sources.set(key, (set = new Set()));
    set.add(s);
    this.entry(key).lastMs = Date.now(); // opening a connection is activity
    if (!this.timer) {
      this.timer = setInterval(() => this.sampleAll(), SAMPLE_MS);
      this.timer.unref();
    }
    return (final) => {
      this.take(key, s, final ?? read());
      set.delete(s);
      if (!set.size) this.sources.delete(key);
      if (!this.sources.size && this.timer) {
        clearInterval(this.timer);
        this.timer = null;
      }
    };
  }

  private take(key: string, s: Source, c: Counts | null): void {
    if (!c) return;
    const dIn = c.bytesIn - s.seenIn;
    const dOut = c.bytesOut - s.seenOut;
    if (dIn <= 0 && dOut <= 0) return;
    s.seenIn = c.bytesIn;
    s.seenOut = c.bytesOut;
    const a = this.entry(key);
    a.bytesIn += Math.max(0, dIn);
    a.bytesOut += Math.max(0, dOut);
    a.lastMs = Math.max(a.lastMs, c.lastMs);
  }

  private sample(key: string): void {
    for (const s of this.sources.get(key) ?? []) this.take(key, s, s.read());
  }

  private sampleAll(): void {
    for (const key of this.sources.keys()) this.sample(key);
  }

  get(key: string): ServerActivity | null {
    this.sample(key);
    return this.byServer.get(key) ?? null;
  }

  forget(key: string): void {
    this.byServer.delete(key);
  }
}
