import { Type } from 'typebox';
import { PASSWORD_MAX } from './passwords.ts';

export const Email = Type.String({ format: 'email', minLength: 3, maxLength: 254 });
/** Length rules beyond the cap are checked by the service (with the email), so the message can say why. */
export const Password = Type.String({ minLength: 1, maxLength: PASSWORD_MAX });
export const Name = Type.String({ maxLength: 120 });
export const strict = { additionalProperties: false } as const;
