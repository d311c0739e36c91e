// The datapath thread's poll policy (native/dp/poll_mode.*) on a test clock: what
// each mode tells the thread to do after a round, and how the adaptive window
// grows under request/response traffic — when the thread has its core to itself —
// and falls back when the traffic stops.
import { describe, expect, it } from 'vitest';
import { testing } from '../helpers/native-testing.js';

const NO_WAIT = -1;
const SLEEP_MS = 1000;
const US = 1000;
const MS = 1_000_000;
const BASE = 200 * US;
const SPIN_MAX = 20 * MS; // PollPolicy::kSpinMax

describe('datapath poll policy', () => {
  it('busy polls every idle round and interrupt sleeps at once; both poll again at once after input', () => {
    const busy = new testing.PollPolicy('busy', BASE);
    const interrupt = new testing.PollPolicy('interrupt', BASE);
    for (const t of [0, 1 * MS, 5_000 * MS]) {
      expect(busy.nextWait(false, SLEEP_MS, t)).toBe(0);
      expect(interrupt.nextWait(false, SLEEP_MS, t)).toBe(SLEEP_MS);
      expect(busy.nextWait(true, SLEEP_MS, t)).toBe(NO_WAIT);
      expect(interrupt.nextWait(true, SLEEP_MS, t)).toBe(NO_WAIT);
    }
  });

  it('adaptive polls for the window after the last packet, then sleeps', () => {
    const p = new testing.PollPolicy('adaptive', BASE);
    expect(p.nextWait(true, SLEEP_MS, 0)).toBe(NO_WAIT);
    expect(p.nextWait(false, SLEEP_MS, 10 * US)).toBe(0); // the window starts at the first idle round
    expect(p.nextWait(false, SLEEP_MS, 10 * US + BASE - 1)).toBe(0);
    expect(p.nextWait(false, SLEEP_MS, 10 * US + BASE)).toBe(SLEEP_MS);
  });

  it('adaptive doubles its window while sleeps end in input soon after, up to the cap, and falls back when idle', () => {
    const p = new testing.PollPolicy('adaptive', BASE);
    let t = 0;
    const windows: number[] = [];
    // Request/response every 5 ms: each gap outruns the window until it has grown past 5 ms.
    for (let i = 0; i < 12; i++) {
      expect(p.nextWait(true, SLEEP_MS, t)).toBe(NO_WAIT);
      const idle = t + 1;
      expect(p.nextWait(false, SLEEP_MS, idle)).toBe(0);
      const w = p.windowNs();
      windows.push(w);
      if (w < 5 * MS) {
        expect(p.nextWait(false, SLEEP_MS, idle + w)).toBe(SLEEP_MS);
        p.afterWait(SLEEP_MS, true, false, t + 5 * MS); // woken by the next request
      }
      t += 5 * MS;
    }
    expect(windows.slice(0, 7)).toEqual([BASE, 2 * BASE, 4 * BASE, 8 * BASE, 16 * BASE, 32 * BASE, 32 * BASE]);
    // A command waking the thread says nothing about the traffic.
    p.afterWait(SLEEP_MS, false, false, t);
    expect(p.windowNs()).toBe(32 * BASE);
    // Gaps close to the cap push it to the cap, never past it.
    for (let i = 0; i < 3; i++) {
      p.nextWait(true, SLEEP_MS, t);
      p.nextWait(false, SLEEP_MS, t + 1);
      p.nextWait(false, SLEEP_MS, t + 1 + p.windowNs());
      p.afterWait(SLEEP_MS, true, false, t + 1 + p.windowNs() + 1 * MS);
      t += 2 * SPIN_MAX;
    }
    expect(p.windowNs()).toBe(SPIN_MAX);
    // Traffic stops: the sleep times out and the window is the base again.
    p.nextWait(false, SLEEP_MS, t);
    p.nextWait(false, SLEEP_MS, t + SPIN_MAX);
    p.afterWait(SLEEP_MS, false, true, t + SPIN_MAX + SLEEP_MS * MS);
    expect(p.windowNs()).toBe(BASE);
  });

  it('adaptive does not grow its window when the thread was preempted while it polled', () => {
    const p = new testing.PollPolicy('adaptive', BASE);
    let t = 0;
    for (let i = 0; i < 5; i++) {
      p.nextWait(true, SLEEP_MS, t);
      p.nextWait(false, SLEEP_MS, t + 1, 0);
      // The window passed, but the thread ran for only half of it: the core is shared.
      expect(p.nextWait(false, SLEEP_MS, t + 1 + BASE, BASE / 2)).toBe(SLEEP_MS);
      p.afterWait(SLEEP_MS, true, false, t + 1 + BASE + 1 * MS);
      expect(p.windowNs()).toBe(BASE);
      t += 5 * MS;
    }
    // The same traffic with the core to itself: it grows.
    p.nextWait(true, SLEEP_MS, t);
    p.nextWait(false, SLEEP_MS, t + 1);
    p.nextWait(false, SLEEP_MS, t + 1 + BASE);
    p.afterWait(SLEEP_MS, true, false, t + 1 + BASE + 1 * MS);
    expect(p.windowNs()).toBe(2 * BASE);
  });

  it('adaptive keeps its base window for traffic slower than the cap', () => {
    const p = new testing.PollPolicy('adaptive', BASE);
    let t = 0;
    for (let i = 0; i < 5; i++) {
      p.nextWait(true, SLEEP_MS, t);
      p.nextWait(false, SLEEP_MS, t + 1);
      expect(p.nextWait(false, SLEEP_MS, t + 1 + BASE)).toBe(SLEEP_MS);
      t += 50 * MS; // a ping every 50 ms: a wakeup each time is cheap next to the gap
      p.afterWait(SLEEP_MS, true, false, t);
      expect(p.windowNs()).toBe(BASE);
    }
  });
});
