/**
 * Wraps the principal resolver so a `?ticket=` (which the pipeline reads on SSE and WebSocket routes only) turns into
 * the ticket's user, as they are now (tier, staff flag), with `via: 'ticket'`.
 */
import type { Principal, Tier } from '@gatehouse/policy';
import type { Credentials, PrincipalResolver, Resolution } from '../../../http/pipeline.ts';
import type { StreamTickets } from './tickets.ts';

export interface UserLookup {
  get(userId: string): Promise<{ readonly id: string; readonly tier: Tier; readonly isStaff: boolean; readonly credits: number } | null>;
}

export function withStreamTickets(base: PrincipalResolver, tickets: StreamTickets, users: UserLookup): PrincipalResolver {
  async function withTicket(creds: Credentials & { ticket: string }, request: { ip: string }): Promise<Resolution> {
    const { ticket, ...headers } = creds;
    // Redeemed even if the request fails later (wrong stream, over the limit): a ticket is good for one attempt.
    const grant = ticket ? await tickets.redeem(ticket) : null;
    const u = grant ? await users.get(grant.userId) : null;
    if (!u) return 'invalid';
    const fromTicket: Principal = { userId: u.id, tier: u.tier, isStaff: u.isStaff, credits: u.credits, via: 'ticket' };
    if (headers.bearer === undefined && headers.apiKey === undefined) return fromTicket;
    // Two credentials are ambiguous (as Bearer + X-API-Key are): both must be valid and name the same user.
    const other = await base.resolve(headers, request);
    return other !== 'invalid' && other !== null && other.userId === u.id ? other : 'invalid';
  }
  return {
    // Without a ticket (every request but a browser's stream) the base resolver answers as it does, synchronously
    // when it can: the access path stays free of promises on a warm credential.
    resolve: (creds, request) => (creds.ticket === undefined ? base.resolve(creds, request) : withTicket(creds as Credentials & { ticket: string }, request)),
  };
}
