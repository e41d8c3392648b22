// Where the site's driver map keeps each writer's node facts, and which of them a submission reads: O(node groups).
import { isRecordableNode } from './driver-facts.js';

/**
 * The layout, on a shared (often parallel) file system where every metadata operation costs a round trip:
 *
 *   <map>/                 made once by the admins: world- or group-writable with the sticky bit (1777, 3775)
 *   <map>/u<uid>/          one directory per writer, made by that writer (0755) with its first record
 *   <map>/u<uid>/<node>    that writer's fact about one node: one line (src/gpu/driver-facts.ts), replaced whole
 *
 * A record is written as a temp file beside it (".<node>.<pid>.<random>") then renamed over it: one small atomic
 * write, no lock, no read-modify-write, so concurrent jobs on many nodes never contend (each writes only its own
 * node's file in its own directory; two jobs of one user on one node write the same fact, and the last rename wins).
 * The sticky bit keeps others from renaming or removing a writer's directory; only the writer can add to it.
 */
export const writerDirName = (uid: number) => `u${uid}`;
export const writerDir = (mapDir: string, uid: number) => `${mapDir.replace(/\/+$/, '')}/${writerDirName(uid)}`;
export const recordPath = (mapDir: string, uid: number, node: string) => `${writerDir(mapDir, uid)}/${node}`;

/** The names a writer's directory listing holds as records (temp files start with a dot, and are skipped). */
export const recordNames = (names: readonly string[]): ReadonlySet<string> => new Set(names.filter(isRecordableNode));

/** Records opened per group at most: a second one answers when the first is stale. */
export const READS_PER_GROUP = 2;

export interface PlannedRead {
  readonly uid: number;
  readonly node: string;
}

/**
 * Which records to open for each node group: per group, up to `perGroup` nodes that a trusted writer has a record
 * for, taking the writers in the order given (yours, then the site's trusted accounts) and the group's nodes in
 * sinfo's order (usable nodes first). With one directory listing per writer this is O(groups) opens, whatever the
 * number of nodes; a group no listing covers needs no open at all (it is unknown: probe it).
 */
export function planFactReads(
  groups: ReadonlyArray<{ readonly nodes: readonly string[] }>,
  listings: ReadonlyArray<{ readonly uid: number; readonly names: ReadonlySet<string> }>,
  perGroup = READS_PER_GROUP,
): PlannedRead[][] {
  return groups.map((group) => {
    const plan: PlannedRead[] = [];
    for (const { uid, names } of listings)
      for (const node of group.nodes) {
        if (plan.length >= perGroup) return plan;
        if (names.has(node)) plan.push({ uid, node });
      }
    return plan;
  });
}
