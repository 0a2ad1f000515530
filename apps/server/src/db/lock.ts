/**
 * PGlite is a single-process database: two processes on one data directory would corrupt it. A lock file with the
 * owner's pid makes the second one stop with a message that says what to do.
 */
import { open, readFile, unlink } from 'node:fs/promises';
import { join } from 'node:path';

export class DataDirLockedError extends Error {
  override readonly name = 'DataDirLockedError';
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function acquireDataDirLock(dataDir: string): Promise<() => Promise<void>> {
  const path = join(dataDir, 'gatehouse.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx');
      await fh.writeFile(String(process.pid));
      await fh.close();
      return async () => {
        await unlink(path).catch(() => undefined);
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        throw new DataDirLockedError(
          `The embedded database in ${dataDir} is in use by process ${pid} (probably a running gatehouse server). ` +
            'Stop it first, or set DATABASE_URL to use PostgreSQL, which allows this command while the server runs.',
        );
      }
      // A stale lock from a process that died: take it over.
      await unlink(path).catch(() => undefined);
    }
  }
  throw new DataDirLockedError(`Could not lock ${dataDir}`);
}
