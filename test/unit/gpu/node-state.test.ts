// parseShowNodes over `scontrol show node --oneliner` captured on the testbed (test/fixtures/scontrol), plus edges.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  lastDriverEvent,
  parseOnelinerFields,
  parseShowNodes,
  scontrolShowNodesArgv,
  utcSeconds,
} from '../../../src/gpu/node-state.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/scontrol/${name}`, import.meta.url), 'utf8');

describe('parseShowNodes', () => {
  it('reads the boot and slurmd start times of gpu01 (UTC, as TZ=UTC0 makes scontrol print them)', () => {
    expect(parseShowNodes(fixture('show-node-oneliner-gpu01.txt'))).toEqual([
      {
        node: 'gpu01',
        bootTime: Date.UTC(2026, 11, 4, 16, 14, 16) / 1000,
        slurmdStartTime: Date.UTC(2026, 11, 4, 16, 27, 19) / 1000,
        state: 'IDLE',
        gres: 'gpu:h100:2,gpu:v100:2',
        features: [],
        partitions: ['gengpu', 'gpu-legacy', 'gpu-broken'],
      },
    ]);
  });

  it('reads one node per line, with features and GRES', () => {
    const nodes = parseShowNodes(fixture('show-node-oneliner-4-nodes.txt'));
    expect(nodes.map((n) => [n.node, n.gres, n.features])).toEqual([
      ['gpu01', 'gpu:h100:2,gpu:v100:2', []],
      ['gpu02', 'gpu:v100:2', ['v100']],
      ['gpu03', 'gpu:h100:2', ['h100']],
      ['cpu01', '', []],
    ]);
    expect(nodes.every((n) => n.bootTime !== null && n.slurmdStartTime! >= n.bootTime)).toBe(true);
  });

  it('reads None as unknown, and a Reason with blanks and brackets as one value', () => {
    const [down] = parseShowNodes(fixture('synthetic-show-node-oneliner-down-reason.txt'));
    expect(down).toMatchObject({ node: 'gpu02', bootTime: null, slurmdStartTime: null, state: 'DOWN+NOT_RESPONDING' });
    const fields = parseOnelinerFields(fixture('synthetic-show-node-oneliner-down-reason.txt'));
    expect(fields.get('Reason')).toBe('Not responding [slurm@2026-12-04T16:20:00]');
    expect(fields.get('OS')).toBe('Linux 6.18.44-fc-v1252 #1 SMP PREEMPT_DYNAMIC @0');
    expect(fields.get('MCS_label')).toBe('N/A');
    expect(lastDriverEvent(down!)).toBeNull();
  });

  it('skips what is not a node line ("Node x not found" goes to stderr, but may be merged)', () => {
    expect(parseShowNodes('Node nosuch not found\n')).toEqual([]);
  });

  it('takes the later of boot and slurmd start as the last driver event', () => {
    const [gpu01] = parseShowNodes(fixture('show-node-oneliner-gpu01.txt'));
    expect(lastDriverEvent(gpu01!)).toBe(Date.UTC(2026, 11, 4, 16, 27, 19) / 1000);
    expect(lastDriverEvent({ ...gpu01!, slurmdStartTime: null })).toBe(gpu01!.bootTime);
  });

  it.each([
    ['2026-12-04T16:14:16', Date.UTC(2026, 11, 4, 16, 14, 16) / 1000],
    ['None', null],
    ['Unknown', null],
    ['', null],
  ])('reads %j as %s', (text, seconds) => {
    expect(utcSeconds(text)).toBe(seconds);
  });

  it('asks for every node in one call, in UTC', () => {
    expect(scontrolShowNodesArgv(['gpu01', 'gpu02'])).toEqual([
      'env',
      'TZ=UTC0',
      'scontrol',
      'show',
      'node',
      '--oneliner',
      'gpu01,gpu02',
    ]);
  });
});
