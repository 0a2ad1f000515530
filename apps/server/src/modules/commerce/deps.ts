import type { Db } from '../../db/database.ts';
import type { AuditService } from '../audit/index.ts';
import type { CommerceAccess } from './access.ts';

/** What every commerce service receives. */
export interface CommerceDeps {
  readonly db: Db;
  readonly audit: AuditService;
  readonly access: CommerceAccess;
}
