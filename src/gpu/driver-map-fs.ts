// The driver map on a real file system: list a writer's directory, read a record without following links, and record
// a fact as one temp file renamed into place (the protocol of the job's bash: job-templates/_record-node-fact.mustache).
import { constants } from 'node:fs';
import { formatFactRecord, isRecordableNode, type NodeFact } from './driver-facts.js';
import { recordPath, writerDir } from './driver-map-layout.js';
import { driverMapOnFs, type DriverMapAccess, type DriverMapFs, type RecordOutcome } from './read-driver-map.js';

/**
 * node:fs/promises and node:crypto are looked up when the map is read or written, not when this module loads: compose.ts
 * loads it with every command, a submission with --driver never touches the map, and the two cost ~1 ms and ~2.7 ms
 * of a dry run's start-up (test/bench/startup.mjs).
 */
const fsp = () => process.getBuiltinModule('node:fs/promises');

/** A record is one short line; anything longer is not one, and is not read past this. */
const MAX_RECORD_BYTES = 4096;

export const nodeDriverMapFs: DriverMapFs = {
  async list(dir) {
    return fsp()
      .readdir(dir)
      .catch(() => undefined);
  },
  async readRecord(path) {
    // O_NOFOLLOW: a symlink is not a record; O_NONBLOCK: a FIFO planted by its writer cannot hang the submission.
    const handle = await fsp()
      .open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
      .catch(() => undefined);
    if (!handle) return undefined;
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) return undefined;
      const buffer = Buffer.alloc(Math.min(stat.size, MAX_RECORD_BYTES));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      return { text: buffer.subarray(0, bytesRead).toString('utf8'), uid: stat.uid };
    } finally {
      await handle.close();
    }
  },
};

/**
 * Record a fact as `uid` (the warmer's probes, a CPU or GPU probe's answer): into its own directory, made 0755 when
 * missing, refused when that name is a symlink or a directory someone else owns (squatted: the records would not be
 * trusted as yours, so none are written). The temp file is created exclusively, so no existing name is followed.
 */
export async function recordFact(mapDir: string, uid: number, fact: NodeFact): Promise<RecordOutcome> {
  if (!isRecordableNode(fact.node)) return { kind: 'refused', reason: `node name ${fact.node} is not a file name` };
  const { chmod, lstat, mkdir, open, rename, rm } = fsp();
  const dir = writerDir(mapDir, uid);
  const made = await mkdir(dir).then(
    () => true,
    (e: NodeJS.ErrnoException) => (e.code === 'EEXIST' ? false : Promise.reject(e)),
  );
  const info = await lstat(dir);
  if (info.isSymbolicLink() || !info.isDirectory()) return { kind: 'refused', reason: `${dir} is not a directory` };
  if (info.uid !== uid) return { kind: 'refused', reason: `${dir} belongs to uid ${info.uid}, not ${uid}` };
  if (made) await chmod(dir, 0o755); // readable by every user whatever the umask: a trusted account's facts are for all
  const path = recordPath(mapDir, uid, fact.node);
  const temp = `${dir}/.${fact.node}.${process.pid}.${process.getBuiltinModule('node:crypto').randomBytes(4).toString('hex')}`;
  try {
    const handle = await open(
      temp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o644,
    );
    try {
      await handle.chmod(0o644);
      await handle.writeFile(formatFactRecord(fact));
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    return { kind: 'recorded', path };
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** The map on this machine's file system, as this process's user. */
export const localDriverMap = (uid: number): DriverMapAccess => driverMapOnFs(nodeDriverMapFs, uid, recordFact);
