// Read a submission's share of the driver map through a file-system port: one listing per trusted writer, then the
// few records the plan names (src/gpu/driver-map-layout.ts); what they mean is decided by src/gpu/driver-facts.ts.
import { parseFactRecord, type NodeFact, type Reading } from './driver-facts.js';
import { planFactReads, recordNames, recordPath, writerDir } from './driver-map-layout.js';

/**
 * The driver map as a submission uses it: where it runs (this machine's file system, src/gpu/driver-map-fs.ts, or
 * --host's login node through the Runner, src/gpu/remote-driver-map.ts), who "you" are there, what the trusted
 * writers recorded for each node group, and a probe's fact recorded as you.
 */
export interface DriverMapAccess {
  /** Your uid on the map's side and, per group, the records read for it (O(groups) file operations). */
  readGroups(query: GroupsQuery): Promise<{ readonly uid: number; readonly readings: Reading[][] }>;
  /** Record a fact into `uid`'s own directory (one temp file renamed into place). */
  record(mapDir: string, uid: number, fact: NodeFact): Promise<RecordOutcome>;
}

export interface GroupsQuery {
  readonly mapDir: string;
  /** Accounts besides you whose records count (the site's driverMap.trustedUids). */
  readonly trustedUids: readonly number[];
  /** None: only who you are is asked (a --refresh learns every group again). */
  readonly groups: ReadonlyArray<{ readonly nodes: readonly string[] }>;
}

export type RecordOutcome =
  { readonly kind: 'recorded'; readonly path: string } | { readonly kind: 'refused'; readonly reason: string };

/** You first, then the trusted accounts, each once: the order planFactReads prefers them in. */
export const writersFor = (uid: number, trustedUids: readonly number[]) => [...new Set([uid, ...trustedUids])];

/** The map through a file-system port, as `uid` (this process on a real one; a fake in tests). */
export function driverMapOnFs(fs: DriverMapFs, uid: number, record: DriverMapAccess['record']): DriverMapAccess {
  return {
    async readGroups({ mapDir, trustedUids, groups }) {
      if (groups.length === 0) return { uid, readings: [] };
      return { uid, readings: await readGroupFacts(fs, { mapDir, writers: writersFor(uid, trustedUids), groups }) };
    },
    record,
  };
}

/** The file-system port of the driver map (src/gpu/driver-map-fs.ts on a real one; a counting fake in the bench). */
export interface DriverMapFs {
  /** A directory's names; undefined when it does not exist or cannot be read. */
  list(dir: string): Promise<readonly string[] | undefined>;
  /** A regular file's text and its owner's uid, opened without following a symlink; undefined when it is not one. */
  readRecord(path: string): Promise<{ readonly text: string; readonly uid: number } | undefined>;
}

export interface MapQuery {
  readonly mapDir: string;
  /** Writers whose records count, in the order to prefer them: you first, then the site's trusted accounts. */
  readonly writers: readonly number[];
  readonly groups: ReadonlyArray<{ readonly nodes: readonly string[] }>;
  /** Records opened per group at most (a second one answers when the first is stale). */
  readonly perGroup?: number;
}

/** Per group, the records read for it (possibly none). Listings and reads run concurrently. */
export async function readGroupFacts(fs: DriverMapFs, query: MapQuery): Promise<Reading[][]> {
  const listings = await Promise.all(
    query.writers.map(async (uid) => ({
      uid,
      names: recordNames((await fs.list(writerDir(query.mapDir, uid))) ?? []),
    })),
  );
  const plan = planFactReads(query.groups, listings, query.perGroup);
  return Promise.all(
    plan.map(async (reads) => {
      const found = await Promise.all(
        reads.map(async ({ uid, node }) => {
          const record = await fs.readRecord(recordPath(query.mapDir, uid, node));
          return record && { node, ownerUid: record.uid, parsed: parseFactRecord(record.text, node, record.uid) };
        }),
      );
      return found.filter((r): r is Reading => r !== undefined);
    }),
  );
}
