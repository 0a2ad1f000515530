export { createInvitesService, type InvitesService, INVITATION_TTL_MS } from './invite.service.ts';
export { createRespondService, type RespondService } from './respond.service.ts';
export { invitationsRoutes } from './invitations.routes.ts';
