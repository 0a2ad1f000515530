export { createAuditService, type AuditService, type AuditEvent, type AuditOutcome } from './audit.service.ts';
export { auditRowInsert, type AuditRow } from './audit.repo.ts';
