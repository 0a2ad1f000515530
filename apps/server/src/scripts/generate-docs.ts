import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { PERMISSIONS_DOC_PATH, generatePermissionsDoc } from '../docs/generate.ts';

await writeFile(PERMISSIONS_DOC_PATH, await generatePermissionsDoc());
console.log(`wrote ${fileURLToPath(PERMISSIONS_DOC_PATH)}`);
