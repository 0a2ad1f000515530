// Creates a new PGlite data directory (initdb), run by database.ts as a process of its own. PGlite's initdb runs in a
// second WebAssembly instance of ~600 MiB, which a long-lived server would otherwise carry until a full GC happens to
// collect it (seen: 720–990 MiB rss right after creating a directory, against ~300 MiB on an existing one). Here it
// ends with the process.
import { PGlite } from '@electric-sql/pglite';

const dir = process.argv[2];
if (!dir) {
  process.stderr.write('usage: pglite-initdb.mjs <data directory>\n');
  process.exit(2);
}
const db = await PGlite.create({ dataDir: dir });
await db.close();
