import { sql } from 'drizzle-orm';
import type { Membership } from '@gatehouse/policy';
import type { Tx } from '../../db/database.ts';

interface Row {
  kind: 'organization' | 'store' | 'customer';
  organization_id: string;
  store_id: string | null;
  role: string | null;
  customer_id: string | null;
}

/**
 * Every role a user holds, in one round trip: organization roles, store staff roles and customer links. Deleted
 * organizations, stores and customers grant nothing.
 */
export async function loadMemberships(tx: Tx, userId: string): Promise<Membership[]> {
  const res = await tx.execute(sql`
    SELECT 'organization' AS kind, m.organization_id, NULL::uuid AS store_id, m.role, NULL::uuid AS customer_id
      FROM organization_members m JOIN organizations o ON o.id = m.organization_id AND o.deleted_at IS NULL
     WHERE m.user_id = ${userId}
    UNION ALL
    SELECT 'store', s.organization_id, s.id, st.role, NULL
      FROM store_staff st JOIN stores s ON s.id = st.store_id AND s.deleted_at IS NULL
     WHERE st.user_id = ${userId}
    UNION ALL
    SELECT 'customer', c.organization_id, c.store_id, NULL, c.id
      FROM customers c JOIN stores s ON s.id = c.store_id AND s.deleted_at IS NULL
     WHERE c.user_id = ${userId} AND c.deleted_at IS NULL`);
  return (res as unknown as { rows: Row[] }).rows.map((r): Membership => {
    if (r.kind === 'organization') return { kind: 'organization', organizationId: r.organization_id, role: r.role as never };
    if (r.kind === 'store') return { kind: 'store', organizationId: r.organization_id, storeId: r.store_id!, role: r.role as never };
    return { kind: 'customer', organizationId: r.organization_id, storeId: r.store_id!, customerId: r.customer_id! };
  });
}
