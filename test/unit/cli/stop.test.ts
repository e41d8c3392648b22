// How a run ends early (cli/stop.ts): a closed pipe or a signal aborts the run; the process exits with 141 or 128+N,
// after the run's cleanup, when the run returned or did not unwind in time; a second signal does not wait.
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CLOSED_PIPE_EXIT, exitCodeForStop, watchForStop } from '../../../src/cli/stop.js';

const setup = (graceMs = 1_000) => {
  const from = { stdout: new EventEmitter(), stderr: new EventEmitter(), signals: new EventEmitter() };
  const exits: number[] = [];
  const stop = watchForStop({ exit: (code) => void exits.push(code), graceMs, from });
  return { from, exits, stop };
};

afterEach(() => vi.useRealTimers());

describe('watchForStop', () => {
  it('exit codes: 141 for a closed pipe, 128+N for signal N', () => {
    expect(exitCodeForStop({ kind: 'pipe', stream: 'stdout' })).toBe(CLOSED_PIPE_EXIT);
    expect(exitCodeForStop({ kind: 'signal', name: 'SIGINT' })).toBe(130);
    expect(exitCodeForStop({ kind: 'signal', name: 'SIGTERM' })).toBe(143);
    expect(exitCodeForStop({ kind: 'signal', name: 'SIGHUP' })).toBe(129);
  });

  it.each(['stdout', 'stderr'] as const)('an error on %s (EPIPE) aborts the run as a closed pipe', (stream) => {
    const { from, stop } = setup();
    from[stream].emit('error', Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
    expect(stop.signal.aborted).toBe(true);
    expect(stop.cause()).toEqual({ kind: 'pipe', stream });
  });

  it('signals count only once watched (the warmer answers its own)', () => {
    const { from, stop } = setup();
    from.signals.emit('SIGTERM');
    expect(stop.signal.aborted).toBe(false);
    stop.watchSignals();
    from.signals.emit('SIGTERM');
    expect(stop.cause()).toEqual({ kind: 'signal', name: 'SIGTERM' });
  });

  it('a stopped run that returns exits at once, after its cleanup', async () => {
    const { from, exits, stop } = setup();
    const order: string[] = [];
    stop.setCleanup(async () => void order.push('cleanup'));
    stop.watchSignals();
    from.signals.emit('SIGINT');
    stop.finished();
    await vi.waitFor(() => expect(exits).toEqual([130]));
    expect(order).toEqual(['cleanup']);
  });

  it('a run that does not unwind within the grace time is ended anyway; a second signal does not wait', async () => {
    vi.useFakeTimers();
    const late = setup(5_000);
    late.stop.watchSignals();
    late.from.signals.emit('SIGHUP');
    await vi.advanceTimersByTimeAsync(4_999);
    expect(late.exits).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(late.exits).toEqual([129]);

    const insisting = setup(60_000);
    insisting.stop.watchSignals();
    insisting.from.signals.emit('SIGINT');
    insisting.from.signals.emit('SIGINT');
    await vi.advanceTimersByTimeAsync(0);
    expect(insisting.exits).toEqual([130]);
  });

  it('a run that ends unstopped leaves the exit to the process', async () => {
    const { exits, stop } = setup();
    stop.finished();
    await new Promise((resolve) => setImmediate(resolve));
    expect(exits).toEqual([]);
  });
});
