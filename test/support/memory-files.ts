// An in-memory directory tree for the ssh_config loader's injected readers: file paths → text, directories implied.
import type { SshConfigIo } from '../../src/transport/ssh-config-load.js';

/** Files by absolute path; a directory exists when some file lies under it. Reads are recorded in `reads`, in order. */
export function memoryFiles(files: Record<string, string>): SshConfigIo & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    readFile: async (path) => {
      reads.push(path);
      return files[path];
    },
    listDir: async (dir) => {
      const prefix = dir.endsWith('/') ? dir : `${dir}/`;
      const names = Object.keys(files)
        .filter((f) => f.startsWith(prefix))
        .map((f) => f.slice(prefix.length).split('/')[0]!);
      // Deliberately not sorted: the loader must order what it is given, as readdir gives no order.
      return names.length === 0 ? undefined : [...new Set(names)].reverse();
    },
  };
}
