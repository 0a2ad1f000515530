import { openDatabase } from '../db/database.ts';
import { createContainer } from '../container.ts';
import { loadConfig } from '../config.ts';
import { renderPermissionsDoc } from './permissions-doc.ts';

export const PERMISSIONS_DOC_PATH = new URL('../../../../docs/API_PERMISSIONS.md', import.meta.url);

/** Renders the doc from the real container's routes, with default settings (not this machine's .env). */
export async function generatePermissionsDoc(): Promise<string> {
  const config = loadConfig({ NODE_ENV: 'test' }, { dotenv: false });
  // Declaring routes needs no data: an empty in-memory database is enough to build the container.
  const database = await openDatabase({});
  await database.migrate();
  const container = await createContainer(config, { database });
  try {
    return renderPermissionsDoc(container.routes, config);
  } finally {
    await container.close();
  }
}
