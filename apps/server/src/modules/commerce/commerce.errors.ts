import { AppError } from '../../http/errors.ts';

const LABEL: Record<string, string> = {
  organization: 'Organization',
  store: 'Store',
  product: 'Product',
  category: 'Category',
  brand: 'Brand',
  customer: 'Customer',
  order: 'Order',
  member: 'Member',
  staff: 'Staff member',
  user: 'User',
  invitation: 'Invitation',
};

/** The spec's wording for a missing permission (CONTRACT.md). */
export const permissionDenied = (action: string, resource: string) => `Permission denied. You do not have permission to ${action} ${resource}.`;

export const commerceErrors = {
  notFound: (what: keyof typeof LABEL) => new AppError('not_found', `${what.toUpperCase()}_NOT_FOUND`, `${LABEL[what]} not found`),
  /** A field the caller's roles may not write (field-level permissions): the whole write is refused. */
  fieldForbidden: (resource: string, fields: readonly string[]) =>
    new AppError(
      'forbidden',
      'FIELD_FORBIDDEN',
      `Permission denied. You do not have permission to change ${fields.map((f) => `"${f}"`).join(', ')} of ${resource}.`,
      fields.map((f) => ({ path: `body.${f}`, message: 'not writable with your role' })),
    ),
  permission: (action: string, resource: string) =>
    new AppError('forbidden', 'PERMISSION_DENIED', permissionDenied(action, resource), { required: `${resource}:${action}` }),
  escalation: (role: string, missing: readonly string[]) =>
    new AppError(
      'forbidden',
      'ROLE_ESCALATION',
      `Permission denied. You cannot grant or change the role ${role}: it carries ${missing.join(', ')}, which you do not hold here.`,
      { role, missing },
    ),
  ownerProtected: () => new AppError('forbidden', 'OWNER_PROTECTED', 'Permission denied. Only an owner can change or remove an owner.'),
  lastOwner: () => new AppError('conflict', 'LAST_OWNER', 'An organization needs at least one owner: make another member OWNER first.'),
  invitationClosed: (status: string) =>
    new AppError('conflict', 'INVITATION_NOT_PENDING', `This invitation was already ${status.toLowerCase()}.`, { status }),
  invitationExpired: () => new AppError('conflict', 'INVITATION_EXPIRED', 'This invitation has expired; ask for a new one.'),
  invitationStale: () =>
    new AppError('conflict', 'INVITATION_STALE', 'The organization, store or customer record of this invitation no longer exists.'),
  /** The escalation guard at accept time: the inviter's rights now, not when they invited. */
  inviterCannotGrant: (role: string, missing: readonly string[]) =>
    new AppError(
      'forbidden',
      'ROLE_ESCALATION',
      `Permission denied. Whoever invited you can no longer grant the role ${role} here (it needs ${missing.join(', ')}).`,
      { role, missing },
    ),
  customerLinked: () =>
    new AppError('conflict', 'CUSTOMER_LINKED', 'This customer record is already linked to a user account; unlink it first.'),
  alreadyMember: () => new AppError('conflict', 'ALREADY_MEMBER', 'This user already holds a role here; change it instead.'),
  taken: (field: string, resource: string) =>
    new AppError('conflict', `${field.toUpperCase()}_TAKEN`, `Another ${resource} already uses this ${field}.`, [{ path: `body.${field}`, message: 'already in use' }]),
  illegalTransition: (from: string, to: string) =>
    new AppError('conflict', 'INVALID_TRANSITION', `Cannot change an order from ${from} to ${to}.`, { from, to }),
  transitionForbidden: (from: string, to: string) =>
    new AppError('forbidden', 'TRANSITION_FORBIDDEN', `Permission denied. You do not have permission to change orders from ${from} to ${to}.`, { from, to }),
  productState: (from: string, to: string) =>
    new AppError('conflict', 'INVALID_TRANSITION', `A ${from} product cannot become ${to}.`, { from, to }),
  /** Publishing (or creating as PUBLISHED) a product nobody allowed to write prices has priced. */
  priceRequired: () =>
    new AppError('unprocessable', 'PRICE_REQUIRED', 'A product needs a price before it can be published.', [{ path: 'body.price', message: 'required to publish' }]),
  orderNotFinal: (status: string) =>
    new AppError('conflict', 'ORDER_NOT_FINAL', `A ${status} order still holds its stock: cancel it first, then delete it.`, { status }),
  insufficientInventory: (sku: string) =>
    new AppError('conflict', 'INSUFFICIENT_INVENTORY', `Not enough stock for ${sku}.`, { sku }),
  unprocessable: (code: string, message: string, path?: string) =>
    new AppError('unprocessable', code, message, path ? [{ path, message }] : undefined),
  invalid: (message: string, path: string) => new AppError('invalid', 'VALIDATION_FAILED', message, [{ path, message }]),
  restoreConflict: () =>
    new AppError('conflict', 'RESTORE_CONFLICT', 'A live row now uses the same unique value (slug, sku or email); rename it first.'),
};

/** Postgres unique violations (both drivers), with the constraint name when the driver gives it. */
export function uniqueViolation(e: unknown): string | null {
  const err = e as { code?: string; constraint?: string; cause?: { code?: string; constraint?: string } };
  if (err.code === '23505') return err.constraint ?? '';
  if (err.cause?.code === '23505') return err.cause.constraint ?? '';
  return null;
}
