/**
 * How long the host's thread went without a turn of its event loop. A tab's heartbeat is answered only between
 * tasks, so a stall longer than the heartbeat timeout (src/db/config.ts) gets a healthy host replaced. Measured by a
 * timer due every INTERVAL_MS: how late it fires is how long the thread was busy.
 */
const INTERVAL_MS = 100;

export interface Stalls {
  /** The longest stall since the host started. */
  longestMs: number;
  /** Stalls of a second or more. */
  overOneSecond: number;
}

export class StallMeter {
  readonly stalls: Stalls = { longestMs: 0, overOneSecond: 0 };
  private last = performance.now();
  private readonly timer = setInterval(() => this.tick(), INTERVAL_MS);

  private tick() {
    const now = performance.now();
    const stall = now - this.last - INTERVAL_MS;
    this.last = now;
    if (stall > this.stalls.longestMs) this.stalls.longestMs = Math.round(stall);
    if (stall >= 1_000) this.stalls.overOneSecond++;
  }

  stop() {
    clearInterval(this.timer);
  }
}
