export { createAuditService, type AuditService, type AuditEvent, type AuditOutcome } from './audit.service.ts';
export type { AuditRow } from './audit.repo.ts';
