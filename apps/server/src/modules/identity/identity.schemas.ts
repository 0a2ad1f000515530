import { Type } from 'typebox';
import { PASSWORD_MAX } from './passwords.ts';

export { Email, LoginEmail } from './email.ts';
/** Length rules beyond the cap are checked by the service (with the email), so the message can say why. */
export const Password = Type.String({ minLength: 1, maxLength: PASSWORD_MAX });
/** Display names: no control characters (PostgreSQL cannot store NUL, and they have no business in a name). */
export const Name = Type.String({ maxLength: 120, pattern: '^[^\\u0000-\\u001f\\u007f]*$' });
export const strict = { additionalProperties: false } as const;
