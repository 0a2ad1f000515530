/**
 * The reviewed expectations of the commerce access matrix: 13 roles × every commerce endpoint × the contexts that
 * apply to it. Written by hand from spec/api-permissions-commerce.md (Role Permission Matrix, Complete Permission List,
 * Error Responses) and CONTRACT.md ("Commerce roles"), NOT computed from packages/policy, so the matrix test can catch
 * the implementation disagreeing with the spec.
 *
 * Who holds what in the test world (matrix.test.ts):
 *   SUPER_ADMIN is a staff user; OWNER, ADMIN, MEMBER, VIEWER are members of organization A; the seven store roles are
 *   staff of store A1; CUSTOMER is a customer of store A1 linked to its user. A2 is another store of A; B1 is the
 *   store of organization B.
 *
 * Contexts:
 *   own          the target is in store A1 (organization endpoints: organization A; deletions of a store or an
 *                organization: a fresh one in which the caller holds its role)
 *   sameOrg      the target is in store A2
 *   otherOrg     the target is in store B1 (organization endpoints: organization B)
 *   ownRecord    a record of the caller's own, wherever ownership could matter: an order of store A1 that belongs to
 *                CUSTOMER (creating: an order for CUSTOMER's customer record; listing: `?customerId=` of it),
 *                CUSTOMER's own customer record, the caller's own membership or staff role (in a fresh organization
 *                or store where it holds its role, beside another OWNER), an invitation addressed to the caller
 *   othersRecord the same kind of record belonging to someone else: another customer's order (or customer record),
 *                an invitation addressed to another email
 *
 * Cells:
 *   200 201 204  allowed (the status of the success)
 *   P            403 `Permission denied. You do not have permission to <action> <resource>.` (the row's permission)
 *   S            403 `Access denied. You do not have permission to access this store.`
 *   O            403 `Access denied. You do not have permission to access this organization.`
 *   A            403 `Admin access required.` (staff-only endpoints)
 *   G            403 with code ROLE_ESCALATION: the permission holds, but the role the route grants or takes (CUSTOMER
 *                for customer links) carries a permission the caller lacks
 *   E            200 with an empty list: the record the context names is filtered out of the caller's rows
 *   404          not found: an object of a store out of the caller's reach, or a record that is not its own
 *   (a 200 on a list in a record context also requires the list to be non-empty: the record is visible)
 *
 * Reading guide, from the spec: MEMBER reads everything and changes nothing; VIEWER reads stores and products only;
 * store roles reach only their store (A1) and never its organization's other stores; "categories and brands follow
 * the Products column"; CUSTOMER reads (published) products and reads, places and cancels only its own orders.
 */

export const MATRIX_ROLES = [
  'SUPER_ADMIN', 'OWNER', 'ADMIN', 'MEMBER', 'VIEWER', 'STORE_ADMIN', 'SALES_MANAGER', 'INVENTORY_MANAGER',
  'CUSTOMER_SERVICE', 'CONTENT_MANAGER', 'MARKETING_MANAGER', 'DELIVERY_BOY', 'CUSTOMER',
] as const;

export const CONTEXTS = ['own', 'sameOrg', 'otherOrg', 'ownRecord', 'othersRecord'] as const;
export type MatrixContext = (typeof CONTEXTS)[number];
export type Cell = '200' | '201' | '204' | 'P' | 'S' | 'O' | 'A' | 'G' | 'E' | '404';

export interface Expectation {
  /** The access rule the route must declare: a permission, `Authenticated` or `Admin`. */
  readonly rule: string;
  readonly cells: Partial<Record<MatrixContext, readonly Cell[]>>;
}

function row(line: string): readonly Cell[] {
  const cells = line.trim().split(/\s+/) as Cell[];
  if (cells.length !== MATRIX_ROLES.length) throw new Error(`matrix row needs ${MATRIX_ROLES.length} cells: ${line}`);
  return cells;
}

export const EXPECTED: Readonly<Record<string, Expectation>> = {
  //                                                 SA   OW   AD   ME   VI   ST   SM   IM   CS   CM   MM   DB   CU
  // --- Organizations --------------------------------------------------------------------------------------------
  'GET /api/organizations': { rule: 'Authenticated', cells: {
    own:                                       row('200  200  200  200  200  200  200  200  200  200  200  200  200'),
  } },
  'POST /api/organizations': { rule: 'Authenticated', cells: {
    own:                                       row('201  201  201  201  201  201  201  201  201  201  201  201  201'),
  } },
  'GET /api/organizations/:id': { rule: 'org:read', cells: {
    own:                                       row('200  200  200  200  200  P    P    P    P    P    P    P    P'),
    otherOrg:                                  row('200  O    O    O    O    O    O    O    O    O    O    O    O'),
  } },
  'PATCH /api/organizations/:id': { rule: 'org:update', cells: {
    own:                                       row('200  200  200  P    P    P    P    P    P    P    P    P    P'),
    otherOrg:                                  row('200  O    O    O    O    O    O    O    O    O    O    O    O'),
  } },
  'DELETE /api/organizations/:id': { rule: 'org:delete', cells: {
    own:                                       row('204  204  P    P    P    P    P    P    P    P    P    P    P'),
    otherOrg:                                  row('204  O    O    O    O    O    O    O    O    O    O    O    O'),
  } },
  // --- Organization members ----------------------------------------------------------------------------------------
  'GET /api/organizations/:id/members': { rule: 'org:read', cells: {
    own:                                       row('200  200  200  200  200  P    P    P    P    P    P    P    P'),
    otherOrg:                                  row('200  O    O    O    O    O    O    O    O    O    O    O    O'),
  } },
  // ownRecord: the caller's own membership (SUPER_ADMIN has none to change: 404). Nobody without org:update leaves
  // or demotes itself; an OWNER beside another OWNER may step down, an ADMIN may.
  'PATCH /api/organizations/:id/members/:userId': { rule: 'org:update', cells: {
    own:                                       row('200  200  200  P    P    P    P    P    P    P    P    P    P'),
    ownRecord:                                 row('404  200  200  P    P    P    P    P    P    P    P    P    P'),
    otherOrg:                                  row('200  O    O    O    O    O    O    O    O    O    O    O    O'),
  } },
  'DELETE /api/organizations/:id/members/:userId': { rule: 'org:update', cells: {
    own:                                       row('204  204  204  P    P    P    P    P    P    P    P    P    P'),
    ownRecord:                                 row('404  204  204  P    P    P    P    P    P    P    P    P    P'),
    otherOrg:                                  row('204  O    O    O    O    O    O    O    O    O    O    O    O'),
  } },
  // Joining is by invitation: offered by those who may update the organization, granted when the invitee accepts.
  'GET /api/organizations/:id/invitations': { rule: 'org:update', cells: {
    own:                                       row('200  200  200  P    P    P    P    P    P    P    P    P    P'),
    otherOrg:                                  row('200  O    O    O    O    O    O    O    O    O    O    O    O'),
  } },
  'POST /api/organizations/:id/invitations': { rule: 'org:update', cells: {
    own:                                       row('201  201  201  P    P    P    P    P    P    P    P    P    P'),
    otherOrg:                                  row('201  O    O    O    O    O    O    O    O    O    O    O    O'),
  } },
  'DELETE /api/organizations/:id/invitations/:invitationId': { rule: 'org:update', cells: {
    own:                                       row('204  204  204  P    P    P    P    P    P    P    P    P    P'),
    otherOrg:                                  row('204  O    O    O    O    O    O    O    O    O    O    O    O'),
  } },
  // --- Stores ------------------------------------------------------------------------------------------------------
  'GET /api/stores': { rule: 'stores:read', cells: {
    own:                                       row('200  200  200  200  200  200  P    P    P    P    P    P    P'),
    otherOrg:                                  row('200  O    O    O    O    O    O    O    O    O    O    O    O'),
  } },
  'POST /api/stores': { rule: 'stores:create', cells: {
    own:                                       row('201  201  201  P    P    P    P    P    P    P    P    P    P'),
    otherOrg:                                  row('201  O    O    O    O    O    O    O    O    O    O    O    O'),
  } },
  'GET /api/stores/:id': { rule: 'stores:read', cells: {
    own:                                       row('200  200  200  200  200  200  P    P    P    P    P    P    P'),
    sameOrg:                                   row('200  200  200  200  200  S    S    S    S    S    S    S    S'),
    otherOrg:                                  row('200  S    S    S    S    S    S    S    S    S    S    S    S'),
  } },
  'PUT /api/stores/:id': { rule: 'stores:update', cells: {
    own:                                       row('200  200  200  P    P    P    P    P    P    P    P    P    P'),
    sameOrg:                                   row('200  200  200  P    P    S    S    S    S    S    S    S    S'),
    otherOrg:                                  row('200  S    S    S    S    S    S    S    S    S    S    S    S'),
  } },
  'DELETE /api/stores/:id': { rule: 'stores:delete', cells: {
    own:                                       row('204  204  204  P    P    P    P    P    P    P    P    P    P'),
    sameOrg:                                   row('204  204  204  P    P    S    S    S    S    S    S    S    S'),
    otherOrg:                                  row('204  S    S    S    S    S    S    S    S    S    S    S    S'),
  } },
  // --- Store staff -------------------------------------------------------------------------------------------------
  'GET /api/stores/:id/staff': { rule: 'stores:read', cells: {
    own:                                       row('200  200  200  200  200  200  P    P    P    P    P    P    P'),
    sameOrg:                                   row('200  200  200  200  200  S    S    S    S    S    S    S    S'),
    otherOrg:                                  row('200  S    S    S    S    S    S    S    S    S    S    S    S'),
  } },
  // ownRecord: the caller's own staff role in its store (organization roles and SUPER_ADMIN are no store's staff: 404).
  // No store role changes or drops its own role.
  'PATCH /api/stores/:id/staff/:userId': { rule: 'stores:update', cells: {
    own:                                       row('200  200  200  P    P    P    P    P    P    P    P    P    P'),
    ownRecord:                                 row('404  404  404  P    P    P    P    P    P    P    P    P    P'),
    sameOrg:                                   row('200  200  200  P    P    S    S    S    S    S    S    S    S'),
    otherOrg:                                  row('200  S    S    S    S    S    S    S    S    S    S    S    S'),
  } },
  'DELETE /api/stores/:id/staff/:userId': { rule: 'stores:update', cells: {
    own:                                       row('204  204  204  P    P    P    P    P    P    P    P    P    P'),
    ownRecord:                                 row('404  404  404  P    P    P    P    P    P    P    P    P    P'),
    sameOrg:                                   row('204  204  204  P    P    S    S    S    S    S    S    S    S'),
    otherOrg:                                  row('204  S    S    S    S    S    S    S    S    S    S    S    S'),
  } },
  'GET /api/stores/:id/invitations': { rule: 'stores:update', cells: {
    own:                                       row('200  200  200  P    P    P    P    P    P    P    P    P    P'),
    sameOrg:                                   row('200  200  200  P    P    S    S    S    S    S    S    S    S'),
    otherOrg:                                  row('200  S    S    S    S    S    S    S    S    S    S    S    S'),
  } },
  'POST /api/stores/:id/invitations': { rule: 'stores:update', cells: {
    own:                                       row('201  201  201  P    P    P    P    P    P    P    P    P    P'),
    sameOrg:                                   row('201  201  201  P    P    S    S    S    S    S    S    S    S'),
    otherOrg:                                  row('201  S    S    S    S    S    S    S    S    S    S    S    S'),
  } },
  'DELETE /api/stores/:id/invitations/:invitationId': { rule: 'stores:update', cells: {
    own:                                       row('204  204  204  P    P    P    P    P    P    P    P    P    P'),
    sameOrg:                                   row('204  204  204  P    P    S    S    S    S    S    S    S    S'),
    otherOrg:                                  row('204  S    S    S    S    S    S    S    S    S    S    S    S'),
  } },
  // --- Products ----------------------------------------------------------------------------------------------------
  'GET /api/products': { rule: 'products:read', cells: {
    own:                                       row('200  200  200  200  200  200  200  200  200  200  200  P    200'),
    sameOrg:                                   row('200  200  200  200  200  S    S    S    S    S    S    S    S'),
    otherOrg:                                  row('200  S    S    S    S    S    S    S    S    S    S    S    S'),
  } },
  'POST /api/products': { rule: 'products:create', cells: {
    own:                                       row('201  201  201  P    P    201  P    201  P    201  P    P    P'),
    sameOrg:                                   row('201  201  201  P    P    S    S    S    S    S    S    S    S'),
    otherOrg:                                  row('201  S    S    S    S    S    S    S    S    S    S    S    S'),
  } },
  'GET /api/products/:id': { rule: 'products:read', cells: {
    own:                                       row('200  200  200  200  200  200  200  200  200  200  200  P    200'),
    sameOrg:                                   row('200  200  200  200  200  404  404  404  404  404  404  404  404'),
    otherOrg:                                  row('200  404  404  404  404  404  404  404  404  404  404  404  404'),
  } },
  'PATCH /api/products/:id': { rule: 'products:update', cells: {
    own:                                       row('200  200  200  P    P    200  200  200  P    200  P    P    P'),
    sameOrg:                                   row('200  200  200  P    P    404  404  404  404  404  404  404  404'),
    otherOrg:                                  row('200  404  404  404  404  404  404  404  404  404  404  404  404'),
  } },
  'DELETE /api/products/:id': { rule: 'products:delete', cells: {
    own:                                       row('204  204  204  P    P    204  P    204  P    P    P    P    P'),
    sameOrg:                                   row('204  204  204  P    P    404  404  404  404  404  404  404  404'),
    otherOrg:                                  row('204  404  404  404  404  404  404  404  404  404  404  404  404'),
  } },
  'POST /api/products/:id/publish': { rule: 'products:update', cells: {
    own:                                       row('200  200  200  P    P    200  200  200  P    200  P    P    P'),
    sameOrg:                                   row('200  200  200  P    P    404  404  404  404  404  404  404  404'),
    otherOrg:                                  row('200  404  404  404  404  404  404  404  404  404  404  404  404'),
  } },
  'POST /api/products/:id/archive': { rule: 'products:update', cells: {
    own:                                       row('200  200  200  P    P    200  200  200  P    200  P    P    P'),
    sameOrg:                                   row('200  200  200  P    P    404  404  404  404  404  404  404  404'),
    otherOrg:                                  row('200  404  404  404  404  404  404  404  404  404  404  404  404'),
  } },
  // --- Categories (follow Products) --------------------------------------------------------------------------------
  'GET /api/categories': { rule: 'categories:read', cells: {
    own:                                       row('200  200  200  200  200  200  200  200  200  200  200  P    200'),
    sameOrg:                                   row('200  200  200  200  200  S    S    S    S    S    S    S    S'),
    otherOrg:                                  row('200  S    S    S    S    S    S    S    S    S    S    S    S'),
  } },
  'POST /api/categories': { rule: 'categories:create', cells: {
    own:                                       row('201  201  201  P    P    201  P    201  P    201  P    P    P'),
    sameOrg:                                   row('201  201  201  P    P    S    S    S    S    S    S    S    S'),
    otherOrg:                                  row('201  S    S    S    S    S    S    S    S    S    S    S    S'),
  } },
  'GET /api/categories/:id': { rule: 'categories:read', cells: {
    own:                                       row('200  200  200  200  200  200  200  200  200  200  200  P    200'),
    sameOrg:                                   row('200  200  200  200  200  404  404  404  404  404  404  404  404'),
    otherOrg:                                  row('200  404  404  404  404  404  404  404  404  404  404  404  404'),
  } },
  'PATCH /api/categories/:id': { rule: 'categories:update', cells: {
    own:                                       row('200  200  200  P    P    200  200  200  P    200  P    P    P'),
    sameOrg:                                   row('200  200  200  P    P    404  404  404  404  404  404  404  404'),
    otherOrg:                                  row('200  404  404  404  404  404  404  404  404  404  404  404  404'),
  } },
  'DELETE /api/categories/:id': { rule: 'categories:delete', cells: {
    own:                                       row('204  204  204  P    P    204  P    204  P    P    P    P    P'),
    sameOrg:                                   row('204  204  204  P    P    404  404  404  404  404  404  404  404'),
    otherOrg:                                  row('204  404  404  404  404  404  404  404  404  404  404  404  404'),
  } },
  // --- Brands (follow Products) ------------------------------------------------------------------------------------
  'GET /api/brands': { rule: 'brands:read', cells: {
    own:                                       row('200  200  200  200  200  200  200  200  200  200  200  P    200'),
    sameOrg:                                   row('200  200  200  200  200  S    S    S    S    S    S    S    S'),
    otherOrg:                                  row('200  S    S    S    S    S    S    S    S    S    S    S    S'),
  } },
  'POST /api/brands': { rule: 'brands:create', cells: {
    own:                                       row('201  201  201  P    P    201  P    201  P    201  P    P    P'),
    sameOrg:                                   row('201  201  201  P    P    S    S    S    S    S    S    S    S'),
    otherOrg:                                  row('201  S    S    S    S    S    S    S    S    S    S    S    S'),
  } },
  'GET /api/brands/:id': { rule: 'brands:read', cells: {
    own:                                       row('200  200  200  200  200  200  200  200  200  200  200  P    200'),
    sameOrg:                                   row('200  200  200  200  200  404  404  404  404  404  404  404  404'),
    otherOrg:                                  row('200  404  404  404  404  404  404  404  404  404  404  404  404'),
  } },
  'PATCH /api/brands/:id': { rule: 'brands:update', cells: {
    own:                                       row('200  200  200  P    P    200  200  200  P    200  P    P    P'),
    sameOrg:                                   row('200  200  200  P    P    404  404  404  404  404  404  404  404'),
    otherOrg:                                  row('200  404  404  404  404  404  404  404  404  404  404  404  404'),
  } },
  'DELETE /api/brands/:id': { rule: 'brands:delete', cells: {
    own:                                       row('204  204  204  P    P    204  P    204  P    P    P    P    P'),
    sameOrg:                                   row('204  204  204  P    P    404  404  404  404  404  404  404  404'),
    otherOrg:                                  row('204  404  404  404  404  404  404  404  404  404  404  404  404'),
  } },
  // --- Customers ---------------------------------------------------------------------------------------------------
  'GET /api/customers': { rule: 'customers:read', cells: {
    own:                                       row('200  200  200  200  P    200  200  P    200  P    200  200  P'),
    sameOrg:                                   row('200  200  200  200  P    S    S    S    S    S    S    S    S'),
    otherOrg:                                  row('200  S    S    S    S    S    S    S    S    S    S    S    S'),
  } },
  'POST /api/customers': { rule: 'customers:create', cells: {
    own:                                       row('201  201  201  P    P    201  201  P    201  P    P    P    P'),
    sameOrg:                                   row('201  201  201  P    P    S    S    S    S    S    S    S    S'),
    otherOrg:                                  row('201  S    S    S    S    S    S    S    S    S    S    S    S'),
  } },
  // ownRecord: CUSTOMER's own customer record; othersRecord: another customer's. Owning one gives CUSTOMER nothing
  // (deleting is not run on them: it would end the CUSTOMER role the rest of the matrix uses).
  'GET /api/customers/:id': { rule: 'customers:read', cells: {
    own:                                       row('200  200  200  200  P    200  200  P    200  P    200  200  P'),
    ownRecord:                                 row('200  200  200  200  P    200  200  P    200  P    200  200  P'),
    othersRecord:                              row('200  200  200  200  P    200  200  P    200  P    200  200  P'),
    sameOrg:                                   row('200  200  200  200  P    404  404  404  404  404  404  404  404'),
    otherOrg:                                  row('200  404  404  404  404  404  404  404  404  404  404  404  404'),
  } },
  'PATCH /api/customers/:id': { rule: 'customers:update', cells: {
    own:                                       row('200  200  200  P    P    200  200  P    200  P    P    P    P'),
    ownRecord:                                 row('200  200  200  P    P    200  200  P    200  P    P    P    P'),
    othersRecord:                              row('200  200  200  P    P    200  200  P    200  P    P    P    P'),
    sameOrg:                                   row('200  200  200  P    P    404  404  404  404  404  404  404  404'),
    otherOrg:                                  row('200  404  404  404  404  404  404  404  404  404  404  404  404'),
  } },
  'DELETE /api/customers/:id': { rule: 'customers:delete', cells: {
    own:                                       row('204  204  204  P    P    204  204  P    204  P    P    P    P'),
    sameOrg:                                   row('204  204  204  P    P    404  404  404  404  404  404  404  404'),
    otherOrg:                                  row('204  404  404  404  404  404  404  404  404  404  404  404  404'),
  } },
  // Linking a customer record to a user account: customers:update, and (G) only roles that could grant CUSTOMER.
  'GET /api/customers/:id/invitations': { rule: 'customers:update', cells: {
    own:                                       row('200  200  200  P    P    200  200  P    G    P    P    P    P'),
    sameOrg:                                   row('200  200  200  P    P    404  404  404  404  404  404  404  404'),
    otherOrg:                                  row('200  404  404  404  404  404  404  404  404  404  404  404  404'),
  } },
  'POST /api/customers/:id/invitations': { rule: 'customers:update', cells: {
    own:                                       row('201  201  201  P    P    201  201  P    G    P    P    P    P'),
    sameOrg:                                   row('201  201  201  P    P    404  404  404  404  404  404  404  404'),
    otherOrg:                                  row('201  404  404  404  404  404  404  404  404  404  404  404  404'),
  } },
  'DELETE /api/customers/:id/invitations/:invitationId': { rule: 'customers:update', cells: {
    own:                                       row('204  204  204  P    P    204  204  P    G    P    P    P    P'),
    sameOrg:                                   row('204  204  204  P    P    404  404  404  404  404  404  404  404'),
    otherOrg:                                  row('204  404  404  404  404  404  404  404  404  404  404  404  404'),
  } },
  // --- Orders ------------------------------------------------------------------------------------------------------
  'GET /api/orders': { rule: 'orders:read', cells: {
    own:                                       row('200  200  200  200  P    200  200  200  200  P    P    200  200'),
    ownRecord:                                 row('200  200  200  200  P    200  200  200  200  P    P    200  200'),
    othersRecord:                              row('200  200  200  200  P    200  200  200  200  P    P    200  E'),
    sameOrg:                                   row('200  200  200  200  P    S    S    S    S    S    S    S    S'),
    otherOrg:                                  row('200  S    S    S    S    S    S    S    S    S    S    S    S'),
  } },
  'POST /api/orders': { rule: 'orders:create', cells: {
    ownRecord:                                 row('201  201  201  P    P    201  201  P    P    P    P    P    201'),
    othersRecord:                              row('201  201  201  P    P    201  201  P    P    P    P    P    P'),
    sameOrg:                                   row('201  201  201  P    P    S    S    S    S    S    S    S    S'),
    otherOrg:                                  row('201  S    S    S    S    S    S    S    S    S    S    S    S'),
  } },
  'GET /api/orders/:id': { rule: 'orders:read', cells: {
    ownRecord:                                 row('200  200  200  200  P    200  200  200  200  P    P    200  200'),
    othersRecord:                              row('200  200  200  200  P    200  200  200  200  P    P    200  404'),
    sameOrg:                                   row('200  200  200  200  P    404  404  404  404  404  404  404  404'),
    otherOrg:                                  row('200  404  404  404  404  404  404  404  404  404  404  404  404'),
  } },
  'PATCH /api/orders/:id': { rule: 'orders:update', cells: {
    ownRecord:                                 row('200  200  200  P    P    200  200  P    200  P    P    P    200'),
    othersRecord:                              row('200  200  200  P    P    200  200  P    200  P    P    P    404'),
    sameOrg:                                   row('200  200  200  P    P    404  404  404  404  404  404  404  404'),
    otherOrg:                                  row('200  404  404  404  404  404  404  404  404  404  404  404  404'),
  } },
  'DELETE /api/orders/:id': { rule: 'orders:delete', cells: {
    ownRecord:                                 row('204  204  204  P    P    204  204  P    P    P    P    P    P'),
    othersRecord:                              row('204  204  204  P    P    204  204  P    P    P    P    P    P'),
    sameOrg:                                   row('204  204  204  P    P    404  404  404  404  404  404  404  404'),
    otherOrg:                                  row('204  404  404  404  404  404  404  404  404  404  404  404  404'),
  } },
  // --- Trash (SUPER_ADMIN) -----------------------------------------------------------------------------------------
  'GET /api/trash': { rule: 'Admin', cells: {
    own:                                       row('200  A    A    A    A    A    A    A    A    A    A    A    A'),
  } },
  'POST /api/trash/:type/:id/restore': { rule: 'Admin', cells: {
    own:                                       row('200  A    A    A    A    A    A    A    A    A    A    A    A'),
    sameOrg:                                   row('200  A    A    A    A    A    A    A    A    A    A    A    A'),
    otherOrg:                                  row('200  A    A    A    A    A    A    A    A    A    A    A    A'),
  } },
  // --- Invitations (the invitee's side) ---------------------------------------------------------------------------
  // Anyone signed in answers the invitations addressed to its own account email; anyone else's is not found.
  'GET /api/invitations': { rule: 'Authenticated', cells: {
    ownRecord:                                 row('200  200  200  200  200  200  200  200  200  200  200  200  200'),
  } },
  'POST /api/invitations/:id/accept': { rule: 'Authenticated', cells: {
    ownRecord:                                 row('200  200  200  200  200  200  200  200  200  200  200  200  200'),
    othersRecord:                              row('404  404  404  404  404  404  404  404  404  404  404  404  404'),
  } },
  'POST /api/invitations/:id/decline': { rule: 'Authenticated', cells: {
    ownRecord:                                 row('200  200  200  200  200  200  200  200  200  200  200  200  200'),
    othersRecord:                              row('404  404  404  404  404  404  404  404  404  404  404  404  404'),
  } },
};
