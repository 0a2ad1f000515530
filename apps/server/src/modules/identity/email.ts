/**
 * The one email rule, shared by the API's schemas and the CLI (`users:create`), so both accept the same addresses.
 *
 * TypeBox's `email` format follows RFC 5322 and so accepts a bare host (`a@b`). People sign up with addresses that
 * can receive mail on the internet, so the domain must also have a dot and a top-level label of two characters or
 * more, and the local part is capped at 64 characters (RFC 5321).
 */
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';

export const EMAIL_MAX = 254;

export const Email = Type.String({
  format: 'email',
  minLength: 3,
  maxLength: EMAIL_MAX,
  pattern: '^[^@]{1,64}@(?:[^@.]+\\.)+[^@.]{2,63}$',
});

/**
 * Sign-in takes any address an account may hold, those created before this rule included (the format alone): a
 * stricter check there would lock them out, and an unknown address gets the same 401 either way.
 */
export const LoginEmail = Type.String({ format: 'email', minLength: 3, maxLength: EMAIL_MAX });

const compiled = Compile(Email);

/** True when `email` passes the same check as a request body's email. */
export function isEmail(email: string): boolean {
  return compiled.Check(email);
}
